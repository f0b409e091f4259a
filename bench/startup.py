"""Time from launching `workbench` to its window being shown (target ≤ 1.5 s on the 2-core machines).

Launches the real console entry point in fresh processes (Qt offscreen unless a display is set) and reads
the time the window reports when it is shown. Prints the median, min and max of N launches.

    .venv/bin/python bench/startup.py [-n 7]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time


def launch_once(workspace: str) -> float:
    env = dict(os.environ, WORKBENCH_REPORT_STARTUP="1", WORKBENCH_QUIT_AFTER_SHOWN="1",
               WORKBENCH_WORKSPACE=workspace)
    if not env.get("DISPLAY"):
        env["QT_QPA_PLATFORM"] = "offscreen"
    started = time.time()
    out = subprocess.run([sys.executable, "-m", "workbench"], env=env, capture_output=True, text=True, timeout=60)
    for line in out.stdout.splitlines():
        if line.startswith("window-shown "):
            return float(line.split()[1]) - started
    raise RuntimeError(f"the window never reported being shown:\n{out.stdout}\n{out.stderr}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=7, help="launches (the first warms the file cache)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as workspace:
        launch_once(workspace)  # warm the OS file cache, as a second launch by a user would be
        times = [launch_once(workspace) for _ in range(args.n)]
    platform = os.environ.get("QT_QPA_PLATFORM") or ("xcb" if os.environ.get("DISPLAY") else "offscreen")
    print(f"launch → window shown ({platform}, {args.n} launches): median {statistics.median(times):.2f} s, "
          f"min {min(times):.2f} s, max {max(times):.2f} s  (target ≤ 1.5 s)")


if __name__ == "__main__":
    main()
