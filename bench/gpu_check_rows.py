"""Rows of bench/gpu_check.sh's table from what its parts wrote: the machine, and the JSON files of
bench/peer_dcgan.py, bench/data_throughput.py and bench/cuda_methods.py.

Each JSON file is read defensively (a missing file, unreadable JSON or a missing key is a row saying so, never an
invented number), and every row is printed as one line `LABEL<TAB>RESULT<TAB>DETAIL` (LABEL "-" for the part's
own row, e.g. a failing method's name for the extra rows). `machine` prints KEY=VALUE lines instead.

    python bench/gpu_check_rows.py machine
    python bench/gpu_check_rows.py peer PATH [--cpu]
    python bench/gpu_check_rows.py data PATH [--cpu]
    python bench/gpu_check_rows.py methods PATH
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

THROUGHPUT_TARGET = 0.95  # the workbench's DCGAN steps per second over the bare PyTorch loop's
DATA_TARGET = 1.0  # the workbench's images per second over a plain ImageFolder + DataLoader's


def machine() -> Iterator[str]:
    """The interpreter, torch and the CUDA devices it sees, as KEY=VALUE lines for the shell."""
    import platform

    yield f"python={sys.executable} (Python {platform.python_version()})"
    import torch

    yield f"torch={torch.__version__} (CUDA build {torch.version.cuda or 'none'})"
    try:  # as the workbench imports it: a compiled extension built for another torch is worked around
        from workbench.compat import _extension_loads, import_torchvision

        extension = "" if _extension_loads() else " (compiled extension not loadable: pure-Python parts only)"
        yield f"torchvision={import_torchvision().__version__}{extension}"
    except Exception as err:  # a torchvision that does not load is a row, not a crash
        yield f"torchvision=not importable: {type(err).__name__}: {str(err).splitlines()[0] if str(err) else ''}"
    available = torch.cuda.is_available()
    count = torch.cuda.device_count() if available else 0
    yield f"cuda={'yes' if available else 'no'}"
    yield f"gpus={count}"
    names = [torch.cuda.get_device_name(i) for i in range(count)]
    yield f"gpu_names={'; '.join(names) if names else '-'}"
    if available:
        major, minor = torch.cuda.get_device_capability(0)
        yield f"capability={major}.{minor}, bf16 {'yes' if torch.cuda.is_bf16_supported() else 'no'}"


def _read(path: Path) -> dict[str, Any] | str:
    """The JSON object in `path`, or why there is none."""
    if not path.is_file():
        return f"no JSON written ({path})"
    try:
        value = json.loads(path.read_text())
    except (OSError, ValueError) as err:
        return f"unreadable JSON {path}: {err}"
    return value if isinstance(value, dict) else f"{path}: not a JSON object"


def _number(doc: dict[str, Any], *keys: str) -> float | None:
    """The first of `keys` that holds a number (the scripts' key names may change: several are tried)."""
    for key in keys:
        value = doc.get(key)
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return float(value)
    return None


def peer(path: Path, cpu: bool) -> Iterator[str]:
    doc = _read(path)
    if isinstance(doc, str):
        yield f"-\tFAILED\t{doc}"
        return
    workbench = _number(doc, "workbench_ms_median", "workbench_step_ms", "workbench_ms")
    reference = _number(doc, "reference_ms_median", "reference_step_ms", "reference_ms")
    ratio = _number(doc, "median_ratio", "ratio")  # workbench ms / reference ms
    if ratio is None and workbench and reference:
        ratio = workbench / reference
    if ratio is None or ratio <= 0:
        yield f"-\tFAILED\tno median_ratio (nor both step times) in {path}; keys: {', '.join(sorted(doc))}"
        return
    throughput = 1.0 / ratio
    times = (f"workbench {workbench:.1f} ms/step, reference {reference:.1f} ms/step; "
             if workbench is not None and reference is not None else "")
    spread = _number(doc, "min_ratio"), _number(doc, "max_ratio")
    rounds = f"; per-round ms ratio {spread[0]:.3f}-{spread[1]:.3f}" if None not in spread else ""
    detail = f"{times}throughput {throughput:.3f} of the reference (target >= {THROUGHPUT_TARGET}){rounds}"
    result = "ran (CPU)" if cpu else ("ok" if throughput >= THROUGHPUT_TARGET else "BELOW TARGET")
    yield f"-\t{result}\t{detail}"


def data(path: Path, cpu: bool) -> Iterator[str]:
    doc = _read(path)
    if isinstance(doc, str):
        yield f"-\tFAILED\t{doc}"
        return
    workbench = _number(doc, "images_per_s_workbench", "workbench_images_per_s", "images_per_s")
    plain = _number(doc, "images_per_s_plain", "plain_images_per_s")
    if workbench is None:
        yield f"-\tFAILED\tno images_per_s_workbench in {path}; keys: {', '.join(sorted(doc))}"
        return
    ratio = _number(doc, "ratio") or (workbench / plain if plain else None)
    workers = doc.get("workers", "?")
    detail = f"workbench {workbench:.0f} images/s"
    if plain is not None:
        detail += f", plain DataLoader {plain:.0f} images/s"
    if ratio is not None:
        detail += f", ratio {ratio:.2f} (target >= {DATA_TARGET})"
    detail += f"; {workers} workers, {doc.get('images', '?')} images {doc.get('size', '?')}px"
    if cpu or ratio is None:
        result = "ran (CPU)" if cpu else "ok"
    else:
        result = "ok" if ratio >= DATA_TARGET else "BELOW TARGET"
    yield f"-\t{result}\t{detail}"


def methods(path: Path) -> Iterator[str]:
    doc = _read(path)
    if isinstance(doc, str):
        yield f"-\tFAILED\t{doc}"
        return
    summary = doc.get("summary")
    outcomes = doc.get("outcomes")
    if not isinstance(summary, dict) or not isinstance(outcomes, list):
        yield f"-\tFAILED\tno summary/outcomes in {path}"
        return
    failed, skipped = summary.get("failed", []), summary.get("skipped", [])
    variants = ", ".join(doc.get("variants", []))
    detail = (f"{summary.get('ok', 0)}/{summary.get('methods', 0)} methods ok over {variants}, "
              f"{doc.get('steps', '?')} steps each; losses all finite: {'yes' if summary.get('all_finite') else 'NO'}")
    if skipped:
        detail += f"; skipped: {', '.join(skipped)}"
    complete = doc.get("complete", True)
    if not complete:
        detail = f"CUT OFF after {len(outcomes)} of {doc.get('planned_runs', '?')} runs; " + detail
    yield f"-\t{'FAILED' if failed or not complete else 'ok'}\t{detail}"
    for outcome in outcomes:
        if isinstance(outcome, dict) and outcome.get("status") in ("error", "non-finite"):
            message = str(outcome.get("message", "")).replace("\t", " ").replace("|", "/")
            yield f"{outcome.get('method')} [{outcome.get('variant')}]\tFAILED\t{outcome.get('status')}: {message}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("what", choices=("machine", "peer", "data", "methods"))
    parser.add_argument("path", nargs="?", type=Path)
    parser.add_argument("--cpu", action="store_true", help="a CPU stand-in: report the numbers, judge no target")
    args = parser.parse_args(argv)
    if args.what == "machine":
        lines = machine()
    elif args.path is None:
        parser.error(f"{args.what} needs the JSON file's path")
    elif args.what == "peer":
        lines = peer(args.path, args.cpu)
    elif args.what == "data":
        lines = data(args.path, args.cpu)
    else:
        lines = methods(args.path)
    for line in lines:
        print(line.replace("|", "/"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
