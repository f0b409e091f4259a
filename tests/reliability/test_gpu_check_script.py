"""bench/gpu_check.sh on a machine without CUDA: it runs its quick CPU stand-ins, says of every CUDA part that it was
skipped and why, prints its table, writes the report and exits 0. The CPU parts are shortened through the script's
own settings (a few methods, one variant, small batches), so the whole pass stays well under a minute here."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
NO_CUDA = "skipped: no CUDA device (torch.cuda.is_available() is False)"
CUDA_PARTS = ("2 DCGAN 64x64", "3 data pipeline", "4 DDP", "5 methods")


@pytest.fixture(scope="module")
def outcome(tmp_path_factory) -> tuple[subprocess.CompletedProcess, Path]:
    import torch

    if torch.cuda.is_available():
        pytest.skip("this machine has CUDA: the script would run its real GPU parts")
    out = tmp_path_factory.mktemp("gpu-check")
    env = dict(os.environ, GPU_CHECK_PYTHON=sys.executable, GPU_CHECK_OUT=str(out), GPU_CHECK_METHODS="dcgan,vae",
               GPU_CHECK_VARIANTS="plain", GPU_CHECK_CPU_BATCH="4", GPU_CHECK_CPU_IMAGES="100",
               GPU_CHECK_BUDGET_S="240", OMP_NUM_THREADS="1", WORKBENCH_CLASS_COVERAGE="0", WORKBENCH_EXAMPLES="")
    env.pop("PYTHONPATH", None)
    done = subprocess.run(["bash", str(REPO / "bench" / "gpu_check.sh")], cwd=REPO, env=env, capture_output=True,
                          text=True, timeout=280)
    return done, out


def table_rows(stdout: str) -> list[list[str]]:
    """The final table's rows (after its header and rule), as cells."""
    lines = stdout.splitlines()
    header = max(i for i, line in enumerate(lines) if line.startswith("| part "))
    return [[cell.strip() for cell in line.strip("|").split(" | ")] for line in lines[header + 2:]
            if line.startswith("|")]


def test_exits_0_and_prints_the_table(outcome):
    done, out = outcome
    assert done.returncode == 0, (done.stdout[-4000:], done.stderr[-2000:])
    rows = table_rows(done.stdout)
    assert rows and all(len(row) == 4 for row in rows), rows
    assert "FAILED" not in {row[2] for row in rows}, rows
    report = (out / "report.md").read_text()
    assert "| part " in report and "| method (cpu) |" in report


def test_every_cuda_part_says_it_was_skipped_and_why(outcome):
    rows = table_rows(outcome[0].stdout)
    cuda = {row[0]: row for row in rows if row[1] == "cuda"}
    for part in CUDA_PARTS:
        found = [row for name, row in cuda.items() if name.startswith(part)]
        assert found, f"no CUDA row for {part}: {sorted(cuda)}"
        assert all(row[2] == "skipped" and row[3] == NO_CUDA for row in found), found
    assert any(row[0] == "1 CUDA" and row[3] == NO_CUDA for row in rows)


def test_the_cpu_stand_ins_ran(outcome):
    rows = table_rows(outcome[0].stdout)
    cpu = {row[0].split(",")[0]: row for row in rows if row[1] == "cpu"}
    assert cpu["1 workbench train (Qt blocked)"][2] == "ok"
    assert cpu["5 methods"][2] == "ok" and cpu["5 methods"][3].startswith("2/2 methods ok")
    assert cpu["2 DCGAN 64x64 b4"][2] == "ran (CPU)" and "ms/step" in cpu["2 DCGAN 64x64 b4"][3]
    assert cpu["3 data pipeline"][2] == "ran (CPU)" and "images/s" in cpu["3 data pipeline"][3]
    headless = next(row for row in rows if row[0] == "1 headless core imports")
    assert headless[2] == "ok"
