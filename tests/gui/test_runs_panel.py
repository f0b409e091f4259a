"""The Runs list against a real workspace that other processes write to: new runs appear while one is selected,
damaged runs are listed with their reason, and a live CLI run's step follows its run store."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from workbench.config import ConfigError, DataConfig, RunConfig, TrainConfig
from workbench.gui.panels.runs import COLUMNS
from workbench.methods.dcgan import DCGANSettings
from workbench.runs import Run

WAIT_MS = 120_000

CREATE_RUN = textwrap.dedent(
    """
    import sys
    from workbench.config import RunConfig
    from workbench.methods.dcgan import DCGANSettings
    from workbench.runs import Workspace

    Workspace(sys.argv[1]).create_run(RunConfig(DCGANSettings()), name=sys.argv[2])
    """
)


def tiny_config(steps: int = 4) -> RunConfig:
    return RunConfig(DCGANSettings(latent_dim=8, g_channels=8, d_channels=8),
                     DataConfig(name="digits", image_size=8, batch_size=16),
                     TrainConfig(steps=steps, sample_every=steps, checkpoint_every=steps, sample_count=4))


@pytest.fixture
def panel(qtbot, workspace):
    from workbench.gui.panels.runs import RunsPanel

    widget = RunsPanel(workspace, poll_ms=200)
    qtbot.addWidget(widget)
    widget.show()
    yield widget
    widget.shutdown()


def create_run_elsewhere(workspace, name: str) -> None:
    """Create a run folder from a separate Python process, as `workbench train` in a terminal would."""
    subprocess.run([sys.executable, "-c", CREATE_RUN, str(workspace.root), name], check=True, timeout=120)


def listed(panel) -> list[str]:
    return [panel.table.item(row, 0).text() for row in range(panel.table.rowCount())]


def test_run_created_by_another_process_appears_and_the_selection_is_kept(panel, workspace, qtbot):
    workspace.create_run(tiny_config(), name="a-first")
    panel.refresh()
    selections = []
    panel.run_selected.connect(lambda run: selections.append(run.id))
    panel.select_run("a-first")
    assert selections == ["a-first"]

    create_run_elsewhere(workspace, "b-second")  # sorts above the selected run: every row moves down
    panel.refresh()  # raised AttributeError ('NoneType' object has no attribute 'text') and froze the list
    assert listed(panel) == ["b-second", "a-first"]
    assert panel.selected_run_id() == "a-first"
    assert panel.cell_text("b-second", "Method") == "dcgan"

    create_run_elsewhere(workspace, "c-third")  # and the list keeps following the disk on its own timer
    qtbot.waitUntil(lambda: listed(panel) == ["c-third", "b-second", "a-first"], timeout=10_000)
    assert panel.selected_run_id() == "a-first"
    assert selections == ["a-first"], "keeping the selection tells the panels nothing new"


def test_damaged_run_toml_is_listed_with_its_reason_next_to_good_runs(panel, workspace):
    workspace.create_run(tiny_config(), name="good")
    empty = workspace.create_run(tiny_config(), name="empty-toml")
    (empty.path / Run.CONFIG_FILE).write_text("")
    binary = workspace.create_run(tiny_config(), name="not-utf8")
    (binary.path / Run.CONFIG_FILE).write_bytes(b"\xff\xfe[run]\x00\x9c")
    panel.refresh()
    assert listed(panel) == ["not-utf8", "good", "empty-toml"]
    assert panel.cell_text("good", "Status") == "created"
    assert panel.cell_text("good", "Step") == "0/4"
    for run_id in ("empty-toml", "not-utf8"):
        assert panel.cell_text(run_id, "Status") == "damaged"
        row = listed(panel).index(run_id)
        reason = panel.table.item(row, COLUMNS.index("Step")).toolTip()  # the cell shows its start
        assert reason.startswith("run.toml") and "\n" not in reason, reason  # one line, no temporary path
        assert panel.cell_text(run_id, "Step") == reason or panel.cell_text(run_id, "Step").endswith("…")
    assert "UTF-8" in panel.table.item(0, COLUMNS.index("Step")).toolTip()
    panel.select_run("good")
    assert panel.selected_run_id() == "good"


def _open_store_files(run: Run) -> int:
    """How many of this process's file descriptors point at the run's SQLite files."""
    count = 0
    for fd in Path("/proc/self/fd").iterdir():
        try:
            count += str(run.metrics_path) in os.readlink(fd)
        except OSError:
            pass
    return count


def _status(run: Run) -> str | None:
    """The run's status, None while its folder is still being created."""
    try:
        return run.info().status
    except ConfigError:
        return None


def _shown_step(panel, run_id: str) -> int:
    text = panel.cell_text(run_id, "Step") or "0/0"
    return int(text.split("/")[0]) if text.split("/")[0].isdigit() else 0


def test_step_of_a_live_cli_run_follows_its_store_not_its_checkpoints(panel, workspace, qtbot, tmp_path):
    args = ["--method", "dcgan", "--data", "digits", "--image-size", "8", "--batch-size", "16", "--steps", "100000",
            "--name", "live", "--set", "method.g_channels=8", "--set", "method.d_channels=8", "--set",
            "method.latent_dim=8", "--set", "train.checkpoint_every=100000", "--set", "train.sample_every=100000"]
    env = dict(os.environ, WORKBENCH_WORKSPACE=str(workspace.root), OMP_NUM_THREADS="1", WORKBENCH_CLASS_COVERAGE="0")
    with open(tmp_path / "train.log", "wb") as log:
        proc = subprocess.Popen([sys.executable, "-m", "workbench", "train", *args], env=env, stdout=log,
                                stderr=subprocess.STDOUT)
    try:
        run = Run(workspace.runs_dir / "live")
        qtbot.waitUntil(lambda: _status(run) == "running", timeout=WAIT_MS)
        qtbot.waitUntil(lambda: _shown_step(panel, "live") >= 5, timeout=WAIT_MS)
        info = run.info()  # run.toml's step moves only at checkpoints: none is due before the test kills the run
        panel.refresh()
        assert info.status == "running" and _shown_step(panel, "live") > info.step, (info, panel.cell_text(
            "live", "Step"))
        opened = _open_store_files(run)
        for _ in range(20):  # one reader per running run, kept open between polls: no descriptor leak
            panel.refresh()
        assert _open_store_files(run) == opened <= 3  # the database, its WAL and its shared-memory index
    finally:
        proc.kill()
        proc.wait(30)
    qtbot.waitUntil(lambda: panel.cell_text("live", "Status") == "interrupted", timeout=10_000)
    assert _open_store_files(run) == 0, "the reader of a run that stopped running is closed"
