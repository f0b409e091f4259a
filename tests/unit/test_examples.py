"""Shipped examples: found, listed, read in place without a byte of them changing, copied on write (CLI and core),
and continued from a checkpoint that has no optimizer state."""

from __future__ import annotations

import shutil
from contextlib import closing

import pytest
from example_folders import fingerprint, make_example, strip_optimizer_state

from workbench.atomic import atomic_write_text
from workbench.cli import main
from workbench.runs import RunError
from workbench.runs.examples import (
    COPY_TAG,
    copy_example,
    find_example,
    fresh_optimizer_note,
    is_example,
    list_examples,
)

pytestmark = pytest.mark.usefixtures("one_torch_thread")


@pytest.fixture
def examples(tiny_run, tmp_path, monkeypatch):
    """A folder of one tiny DCGAN example without optimizer state, as WORKBENCH_EXAMPLES."""
    folder = tmp_path / "examples"
    folder.mkdir()
    source = tiny_run("dcgan", steps=2, name="source-dcgan")
    make_example(source, folder, "dcgan-tiny")
    shutil.rmtree(source.path)  # the workspace starts empty
    monkeypatch.setenv("WORKBENCH_EXAMPLES", str(folder))
    return folder


def test_listed_and_found(examples):
    (examples / "broken").mkdir()
    shutil.copy(examples / "dcgan-tiny" / "run.toml", examples / "broken")
    (examples / "broken" / "card.toml").write_text("[training]\nsteps = 'many'\n")
    found = list_examples()
    assert [e.name for e in found] == ["dcgan-tiny"]
    example = find_example("dcgan-tiny")
    assert example is not None and example.method == "dcgan" and example.steps == 2
    assert not example.optimizer_state and example.key_figure() == "FID [digits-cnn, 500] 123.4"
    assert is_example(example.run) and find_example("nothing") is None
    errors: list[str] = []
    list_examples(errors=errors)
    assert len(errors) == 1 and "card.toml" in errors[0] and "steps" in errors[0]


def test_empty_variable_means_no_examples(monkeypatch):
    monkeypatch.setenv("WORKBENCH_EXAMPLES", "")
    assert list_examples() == []


def test_reading_changes_nothing_and_writes_are_refused(examples):
    from workbench.evaluation.summary import run_summary
    from workbench.runs import MetricsWriter

    example = find_example("dcgan-tiny")
    before = fingerprint(example.path)
    run = example.run
    with closing(run.metrics_reader()) as reader:
        assert reader.read_new_scalars()
    assert run_summary(run)
    assert run.info().step == 2 and run.display_name == "dcgan-tiny"
    for write in (lambda: run.set_meta(display_name="x"), lambda: run.change_tags(add=["a"]),
                  lambda: run.set_notes({"a": "b"}), lambda: run.update(step=3), lambda: run.acquire()):
        with pytest.raises(RunError, match="shipped example"):
            write()
    with pytest.raises(PermissionError, match="shipped example"):
        MetricsWriter(run.metrics_path)
    for path in (run.path / "evaluations" / "2.json", run.path / "latent" / "codes.json", run.path / "run.toml"):
        with pytest.raises(PermissionError, match="shipped example"):  # every crash-safe write of the app
            atomic_write_text(path, "{}")
    assert fingerprint(example.path) == before  # no -wal, -shm, .lock or meta.json appeared either


def test_copy_is_a_new_run_named_after_the_example(examples, workspace):
    example = find_example("dcgan-tiny")
    before = fingerprint(example.path)
    copy = copy_example(example, workspace, steps=6)
    assert copy.path.parent == workspace.runs_dir and "dcgan-tiny" in copy.id
    assert not is_example(copy) and copy.display_name == "dcgan-tiny" and COPY_TAG in copy.meta().tags
    assert copy.config.train.steps == 6 and copy.info().status == "stopped" and copy.latest_checkpoint_step() == 2
    assert copy.notes()["copied_from_example"] == "dcgan-tiny"
    assert "fresh optimizers" in fresh_optimizer_note(copy)
    copy.set_meta(notes="mine")  # the copy is the user's
    assert [r.id for r in workspace.runs()] == [copy.id]
    assert fingerprint(example.path) == before


def test_cli_lists_reads_and_copies_on_write(examples, workspace, capsys):
    example = find_example("dcgan-tiny")
    before = fingerprint(example.path)
    assert main(["examples"]) == 0
    out = capsys.readouterr().out
    assert "dcgan-tiny" in out and "FID [digits-cnn, 500] 123.4" in out and "dcgan" in out
    assert main(["runs", "tag", "dcgan-tiny"]) == 0  # printing needs no copy
    assert main(["export", "dcgan-tiny", "--csv", str(workspace.root.parent / "e.csv")]) == 0
    assert workspace.runs() == []
    assert main(["runs", "rm", "dcgan-tiny", "--yes"]) == 2
    assert "cannot go to the trash" in capsys.readouterr().err
    assert main(["control", "dcgan-tiny", "stop"]) == 2
    assert main(["runs", "rename", "dcgan-tiny", "my digits"]) == 0
    captured = capsys.readouterr()
    assert "copied into the workspace as run" in captured.err
    (copy,) = workspace.runs()
    assert copy.display_name == "my digits"
    assert main(["sample", "no-such-run", "-o", "x.png"]) == 2
    assert "nor a shipped example" in capsys.readouterr().err
    assert fingerprint(example.path) == before


def test_continuing_an_example_without_optimizer_state(examples, workspace, capsys):
    example = find_example("dcgan-tiny")
    before = fingerprint(example.path)
    assert main(["train", "--resume", "dcgan-tiny", "--steps", "1"]) == 2  # refused before any copy
    assert workspace.runs() == []
    assert main(["train", "--resume", "dcgan-tiny", "--steps", "4"]) == 0
    err = capsys.readouterr().err
    assert "copied into the workspace" in err and "fresh optimizers" in err
    (copy,) = workspace.runs()
    assert copy.info().status == "finished" and copy.info().step == 4 and copy.latest_checkpoint_step() == 4
    assert fresh_optimizer_note(copy) == ""  # its new checkpoints have optimizer state
    assert fingerprint(example.path) == before


def test_any_run_resumed_without_optimizer_state_says_so(tiny_run, capsys):
    """Not only examples: a checkpoint saved without optimizer state (trimmed for size, or written by another
    tool) trains on with fresh optimizers, and the note is recorded with the run, not only printed."""
    from workbench.runs.event_reader import EventReader
    from workbench.runs.events import AlertEvent

    run = tiny_run("dcgan", steps=2, name="trimmed")
    strip_optimizer_state(run.checkpoints_dir)
    assert main(["train", "--workspace", str(run.path.parent.parent), "--resume", run.id, "--steps", "3"]) == 0
    err = capsys.readouterr().err
    assert "note at step 2: the checkpoint at step 2 has no optimizer state (opt_g, opt_d)" in err
    notes = [e for e in EventReader(run).read_new() if isinstance(e, AlertEvent) and e.kind == "resume"]
    assert len(notes) == 1 and notes[0].is_note and notes[0].step == 2
    assert run.info().step == 3


def test_session_restores_a_checkpoint_without_optimizer_state(examples):
    from workbench.training.session import TrainingSession

    example = find_example("dcgan-tiny")
    session = TrainingSession(example.run.config)
    assert session.restore_latest(example.run.checkpoints_dir) == 2
    assert sorted(session.fresh_optimizers) == ["opt_d", "opt_g"]
    loaded = TrainingSession.from_run(example.run)
    assert loaded.step == 2


def test_what_runs_share_goes_to_the_user_cache_not_beside_an_example(examples, workspace, tmp_path, monkeypatch):
    """The feature extractors' cache of a run outside any workspace (an example in an installed, maybe read-only
    package) is a per-user cache folder: once it was written into the package folder beside the examples."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    assert find_example("dcgan-tiny").run.workspace_root == tmp_path / "cache" / "generative-workbench"
    run = workspace.create_run(find_example("dcgan-tiny").run.config, name="mine")
    assert run.workspace_root == workspace.root
