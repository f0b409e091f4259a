"""Cost of FID on 10,000 generated samples with the default extractor (digits-cnn), on this machine.

Prints seconds for: training the digits classifier (a one-off; cached afterwards), feature extraction of the
real images and of the 10k samples, the feature statistics (mean and covariance), and the Fréchet distance.
The "generated" samples are real digits with noise added, so no generator's sampling time is counted.

    .venv/bin/python bench/metric_cost.py [--n 10000] [--threads 2] [--workspace DIR]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=10_000, help="generated samples")
    parser.add_argument("--threads", type=int, default=0, help="torch intra-op threads (0: torch's default)")
    parser.add_argument("--workspace", default="", help="where the classifier is cached (default: a temp dir)")
    args = parser.parse_args()

    import torch

    from workbench.compat import one_blas_thread
    from workbench.config import DataConfig
    from workbench.data import build_dataset
    from workbench.metrics import feature_statistics, frechet_distance
    from workbench.metrics.feature_extractors import classifier_paths, dataset_classifier

    if args.threads:
        torch.set_num_threads(args.threads)
    folder = Path(args.workspace) if args.workspace else Path(tempfile.mkdtemp(prefix="metric-cost-"))
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"machine: {os.cpu_count()} cores, load average {load:.2f}, torch threads {torch.get_num_threads()}")

    dataset = build_dataset(DataConfig(name="digits", image_size=32))
    cached = classifier_paths(folder, "digits", 32, 1)[0].is_file()
    t = time.perf_counter()
    extractor = dataset_classifier(dataset, folder)
    t_train = time.perf_counter() - t
    print(f"digits-cnn {'loaded from the cache' if cached else 'trained (400 steps of 64) and cached'}: "
          f"{t_train:.2f} s, test accuracy {extractor.test_accuracy:.3f}")

    real, _ = dataset.get_batch(torch.arange(len(dataset)))
    g = torch.Generator().manual_seed(0)
    picks = torch.randint(0, real.shape[0], (args.n,), generator=g)
    fake = (real[picks] + 0.1 * torch.randn(args.n, *real.shape[1:], generator=g)).clamp(-1, 1)

    t = time.perf_counter()
    real_feats = extractor.features(real).double().numpy()
    t_real = time.perf_counter() - t
    t = time.perf_counter()
    fake_feats = extractor.features(fake).double().numpy()
    t_fake = time.perf_counter() - t
    with one_blas_thread():
        t = time.perf_counter()
        stats_real = feature_statistics(real_feats)
        stats_fake = feature_statistics(fake_feats)
        t_stats = time.perf_counter() - t
        t = time.perf_counter()
        fid = frechet_distance(*stats_real, *stats_fake)
        t_fd = time.perf_counter() - t
    print(f"features of {real.shape[0]} real images:      {t_real:.2f} s")
    print(f"features of {args.n} generated samples: {t_fake:.2f} s ({args.n / t_fake:.0f} images/s)")
    print(f"statistics (mean + covariance, both sets): {t_stats:.3f} s")
    print(f"Fréchet distance (128-d):                  {t_fd:.3f} s")
    print(f"FID [digits-cnn, {args.n // 1000}k] of noisy real digits = {fid:.3f}; "
          f"total after the cached classifier: {t_real + t_fake + t_stats + t_fd:.2f} s")


if __name__ == "__main__":
    main()
