"""Images per second of the workbench's data pipeline against a plain torchvision `ImageFolder` + `DataLoader`.

Both read the same folder of JPEGs (by default 20,000 generated 128×128 images in 10 class folders, written once
to a cache folder and reused), with the same number of worker processes, batch size and pinned memory:
  workbench: `build_dataset(folder)` + the stream a training session uses (`LoaderStream`: uint8 batches from
             workers, converted to [-1, 1] floats on the device), read through `session.next_batch`'s path;
  plain:     `ImageFolder(root, Resize + CenterCrop + ToTensor + Normalize)` in a `DataLoader(shuffle=True,
             drop_last=True, persistent_workers=True)`, each batch moved to the device, as pytorch/examples'
             dcgan/main.py reads a folder.
Rounds alternate (plain, workbench, plain, …) so that a drifting machine slows both alike; each round reads
`--batches` batches after one warm-up batch (workers started). Prints images/s per round, the medians and their
ratio (target ≥ 1.0), and how long each took to open the folder (the workbench decodes every file once up front to
report unreadable ones before training; ImageFolder only lists them).

Then, for the built-in in-memory datasets, the in-process `BatchStream` against a `DataLoader` over the same
tensor with the same workers: why generated data stays in the training process.

    .venv/bin/python bench/data_throughput.py [--images 20000] [--size 128] [--workers W] [--batch 128]
        [--rounds 3] [--batches 100] [--device cpu|cuda] [--folder PATH] [--json PATH]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

CLASSES = 10


def make_folder(folder: Path, count: int, size: int) -> Path:
    """`count` size×size JPEGs in CLASSES subfolders (smooth random colour fields with noise), written once."""
    from PIL import Image

    done = folder / f".complete-{count}-{size}"
    if done.exists():
        return folder
    rng = np.random.default_rng(0)
    for c in range(CLASSES):
        (folder / f"class{c}").mkdir(parents=True, exist_ok=True)
    coarse = 8
    for i in range(count):
        field = rng.integers(0, 256, (coarse, coarse, 3), dtype=np.uint8)
        image = Image.fromarray(field).resize((size, size), Image.Resampling.BICUBIC)
        noisy = np.clip(np.asarray(image, np.int16) + rng.integers(-12, 13, (size, size, 3)), 0, 255)
        Image.fromarray(noisy.astype(np.uint8)).save(folder / f"class{i % CLASSES}" / f"{i:06d}.jpg", quality=90)
    done.touch()
    return folder


def plain_reader(root: Path, size: int, batch: int, workers: int, device: torch.device):  # noqa: ANN201
    from workbench.compat import import_torchvision

    tv = import_torchvision()
    t = tv.transforms
    dataset = tv.datasets.ImageFolder(str(root), transform=t.Compose([
        t.Resize(size), t.CenterCrop(size), t.ToTensor(), t.Normalize((0.5,) * 3, (0.5,) * 3)]))
    loader = torch.utils.data.DataLoader(
        dataset, batch_size=batch, shuffle=True, drop_last=True, num_workers=workers,
        pin_memory=device.type == "cuda", persistent_workers=workers > 0,
        generator=torch.Generator().manual_seed(0))
    batches = iter(_forever(loader))

    def read() -> torch.Tensor:
        images, _ = next(batches)
        return images.to(device, non_blocking=True)

    return read, lambda: None


def _forever(loader):  # noqa: ANN001, ANN202 - epochs one after another
    while True:
        yield from loader


def workbench_reader(root: Path, size: int, batch: int, workers: int, device: torch.device):  # noqa: ANN201
    from workbench.config import DataConfig
    from workbench.data import build_dataset
    from workbench.data.loader import LoaderStream

    dataset = build_dataset(DataConfig(name="folder", root=str(root), image_size=size, channels=3,
                                       batch_size=batch, workers=workers))
    stream = LoaderStream(dataset, batch, 0, workers=workers, device=device)
    return (lambda: stream.next()[0]), stream.close


def images_per_second(read, batches: int, device: torch.device) -> float:  # noqa: ANN001
    start = time.perf_counter()
    count = 0
    for _ in range(batches):
        count += read().shape[0]
    if device.type == "cuda":
        torch.cuda.synchronize()
    return count / (time.perf_counter() - start)


def in_memory_comparison(workers: int, batch: int, batches: int) -> dict[str, float]:
    """digits at 64×64 (RGB): BatchStream in the training process against a DataLoader with workers."""
    from workbench.config import DataConfig
    from workbench.data import build_dataset
    from workbench.data.batches import BatchStream

    dataset = build_dataset(DataConfig(name="digits", image_size=64, channels=3, batch_size=batch))
    stream = BatchStream(dataset, batch, 0)
    tensors = torch.utils.data.TensorDataset(dataset.images, dataset.labels)
    loader = torch.utils.data.DataLoader(tensors, batch_size=batch, shuffle=True, drop_last=True,
                                         num_workers=workers, persistent_workers=workers > 0)
    batches_iter = iter(_forever(loader))
    stream.next(), next(batches_iter)
    cpu = torch.device("cpu")
    result = {"batch_stream": images_per_second(lambda: stream.next()[0], batches, cpu),
              "dataloader": images_per_second(lambda: next(batches_iter)[0], batches, cpu)}
    return result


def main() -> None:
    from workbench.data.loader import automatic_workers

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--images", type=int, default=20_000)
    parser.add_argument("--size", type=int, default=128)
    parser.add_argument("--workers", type=int, default=-1, help="-1: the workbench's automatic count")
    parser.add_argument("--batch", type=int, default=128)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--batches", type=int, default=100)
    parser.add_argument("--device", default="cpu", choices=("cpu", "cuda"))
    parser.add_argument("--folder", type=Path, default=None)
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args()
    device = torch.device(args.device)
    if device.type == "cuda" and not torch.cuda.is_available():
        raise SystemExit("data_throughput: --device cuda but torch.cuda.is_available() is False")
    workers = automatic_workers(args.workers)
    folder = args.folder or Path(tempfile.gettempdir()) / f"workbench-bench-jpegs-{args.images}-{args.size}"
    load = os.getloadavg()
    start = time.perf_counter()
    make_folder(folder, args.images, args.size)
    ready = time.perf_counter() - start
    print(f"folder: {folder} ({args.images} JPEGs {args.size}×{args.size}, ready in {ready:.1f} s)")
    print(f"workers {workers}, batch {args.batch}, device {device}, {args.rounds} rounds of {args.batches} batches, "
          f"load average at start {load[0]:.2f}")
    opened = {}
    readers = {}
    for name, make in (("plain", plain_reader), ("workbench", workbench_reader)):
        start = time.perf_counter()
        readers[name] = make(folder, args.size, args.batch, workers, device)
        opened[name] = time.perf_counter() - start
        readers[name][0]()  # warm-up: workers started, first batch decoded
    rates: dict[str, list[float]] = {"plain": [], "workbench": []}
    for r in range(args.rounds):
        for name in ("plain", "workbench"):
            rates[name].append(images_per_second(readers[name][0], args.batches, device))
        print(f"round {r + 1}: plain {rates['plain'][-1]:8.0f} images/s   workbench {rates['workbench'][-1]:8.0f} "
              "images/s")
    for _, close in readers.values():
        close()
    medians = {name: statistics.median(values) for name, values in rates.items()}
    ratio = medians["workbench"] / medians["plain"]
    print(f"median images/s: plain {medians['plain']:.0f}, workbench {medians['workbench']:.0f}; "
          f"ratio workbench/plain {ratio:.2f} (target ≥ 1.0)")
    print(f"opening the folder: plain {opened['plain']:.2f} s (lists files), workbench {opened['workbench']:.2f} s "
          "(decodes each file once to report unreadable ones)")
    memory = in_memory_comparison(workers, args.batch, args.batches)
    print(f"in-memory digits 64×64×3: BatchStream {memory['batch_stream']:.0f} images/s, DataLoader with {workers} "
          f"workers {memory['dataloader']:.0f} images/s")
    print(f"load average at end {os.getloadavg()[0]:.2f}")
    if args.json:
        args.json.write_text(json.dumps({
            "images_per_s_plain": medians["plain"], "images_per_s_workbench": medians["workbench"], "ratio": ratio,
            "rounds": rates, "workers": workers, "batch": args.batch, "device": str(device), "images": args.images,
            "size": args.size, "open_s": opened, "in_memory": memory, "load_average": load[0]}, indent=2))


if __name__ == "__main__":
    main()
