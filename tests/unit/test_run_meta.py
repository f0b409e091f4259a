"""Run metadata (display name, tags, notes in meta.json) and the trash, through the core API, the CLI and real
processes (concurrent writers, a process holding a run's training lock, a terminal answering the confirmation)."""

from __future__ import annotations

import io
import json
import os
import pty
import subprocess
import sys

import pytest

from workbench.cli import main
from workbench.config import DataConfig, RunConfig, TrainConfig
from workbench.methods.dcgan import DCGANSettings
from workbench.runs import Run, RunError, RunLockedError, RunMeta
from workbench.training.runner import run_training

pytestmark = pytest.mark.usefixtures("one_torch_thread")  # tests/conftest.py
CONFIG = RunConfig(DCGANSettings(latent_dim=4, g_channels=8, d_channels=8), DataConfig(image_size=8, batch_size=8),
                   TrainConfig(steps=4, sample_every=4, checkpoint_every=2, sample_count=4))
TIMEOUT_S = 120


def _files(folder) -> list:
    """A run folder's files, without the lock files (made by whoever locks) and the trash's own note."""
    return sorted(p.relative_to(folder) for p in folder.rglob("*") if p.suffix != ".lock" and p.name != ".lock"
                  and p.name != "trashed.json")


def test_name_tags_and_notes_round_trip_and_the_trainer_never_touches_them(workspace):
    run = workspace.create_run(CONFIG, name="meta")
    assert run.meta() == RunMeta() and run.display_name == "meta"
    meta = run.set_meta(display_name="  Baseline, lr 2e-4 ", tags=["gan", "lr-2e-4", "gan", "été"],
                        notes="first line\nsecond line\n")
    assert meta == RunMeta("Baseline, lr 2e-4", ("gan", "lr-2e-4", "été"), "first line\nsecond line\n")
    assert Run(run.path).meta() == meta and Run(run.path).display_name == "Baseline, lr 2e-4"
    assert run.set_meta(notes="changed").display_name == "Baseline, lr 2e-4"  # None keeps a field
    assert run.change_tags(add=["new"], remove=["gan"]).tags == ("lr-2e-4", "été", "new")

    before = (run.path / "meta.json").read_bytes()
    for _ in run_training(run):  # checkpoints rewrite run.toml; meta.json is not the trainer's
        pass
    assert run.status.value == "finished" and (run.path / "meta.json").read_bytes() == before
    assert run.set_meta(display_name="").display_name == "" and run.display_name == "meta"  # "" removes the name


@pytest.mark.parametrize(("change", "expected"), [
    ({"display_name": "two\nlines"}, "must be one line"),
    ({"display_name": "x" * 121}, "121 characters, at most 120"),
    ({"tags": ["a b"]}, "tag 'a b': a tag is 1 to 32 letters, digits or _ - . : / starting with a letter or digit"),
    ({"tags": ["-x"]}, "tag '-x'"),
    ({"tags": ["x" * 33]}, "a tag is 1 to 32"),
    ({"tags": [f"t{i}" for i in range(51)]}, "51 tags: at most 50"),
    ({"tags": "gan"}, "give a list of tags"),
    ({"notes": "x" * 100_001}, "at most 100000"),
])
def test_invalid_meta_is_refused_and_nothing_is_written(workspace, change, expected):
    run = workspace.create_run(CONFIG, name="rules")
    run.set_meta(display_name="kept", tags=["kept"])
    before = (run.path / "meta.json").read_bytes()
    with pytest.raises(RunError, match=expected.replace("(", r"\(").replace(".", r"\.")):
        run.set_meta(**change)
    assert (run.path / "meta.json").read_bytes() == before


def test_a_damaged_meta_file_is_reported_and_listing_goes_on(workspace, capsys):
    good = workspace.create_run(CONFIG, name="good")
    good.set_meta(display_name="Good one", tags=["ok"])
    bad = workspace.create_run(CONFIG, name="bad")
    (bad.path / "meta.json").write_text('{"display_name": "half', encoding="utf-8")
    with pytest.raises(RunError, match=r"bad/meta\.json: damaged, not JSON .*; fix or delete the file"):
        bad.meta()
    assert bad.display_name == "bad"  # the window's lists go on
    with pytest.raises(RunError, match="damaged"):
        bad.set_meta(tags=["x"])  # not silently replaced
    assert (bad.path / "meta.json").read_text(encoding="utf-8") == '{"display_name": "half'

    assert main(["runs"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].split() == ["ID", "METHOD", "DATA", "STATUS", "STEP", "CREATED", "NAME", "TAGS"]
    assert out[1].split()[0] == "good" and out[1].endswith("Good one  ok")
    assert out[2].split()[:4] == ["bad", "dcgan", "digits", "created"]
    assert out[3].startswith(f"damaged: bad: {bad.path / 'meta.json'}: damaged, not JSON")

    (bad.path / "meta.json").write_text('{"tags": "gan"}', encoding="utf-8")  # valid JSON, wrong type
    assert main(["runs", "--json"]) == 0
    rows = {r["id"]: r for r in json.loads(capsys.readouterr().out)}
    assert rows["good"]["display_name"] == "Good one" and rows["good"]["tags"] == ["ok"]
    assert rows["good"]["notes"] == "" and rows["good"]["meta_error"] == ""
    assert "meta.json: tags 'gan': give a list of tags" in rows["bad"]["meta_error"]


def test_two_processes_tagging_at_once_lose_nothing(workspace):
    run = workspace.create_run(CONFIG, name="busy")
    code = ("import sys; from workbench.runs import Run; run = Run(sys.argv[1])\n"
            "for i in range(20): run.change_tags(add=[f'{sys.argv[2]}{i}'])")
    writers = [subprocess.Popen([sys.executable, "-c", code, str(run.path), prefix]) for prefix in ("a", "b")]
    assert [w.wait(timeout=TIMEOUT_S) for w in writers] == [0, 0]
    assert sorted(run.meta().tags) == sorted(f"{p}{i}" for p in "ab" for i in range(20))


def test_trash_moves_a_run_and_restore_brings_it_back(workspace, capsys):
    run = workspace.create_run(CONFIG, name="old")
    run.set_meta(display_name="Old", tags=["x"])
    files = _files(run.path)
    where = workspace.trash_run(run)
    assert where == workspace.root / "trash" / "old" and not run.path.exists()
    assert [r.id for r in workspace.runs()] == [] and [r.id for r in workspace.trashed_runs()] == ["old"]
    assert _files(where) == files
    with pytest.raises(KeyError, match="it is in the trash: `workbench runs restore` puts it back"):
        workspace.run("old")

    again = workspace.create_run(CONFIG, name="old")  # the same id, trashed again: kept apart, nothing replaced
    assert workspace.trash_run(again) == workspace.root / "trash" / "old~2"
    assert [r.id for r in workspace.trashed_runs()] == ["old~2", "old"]  # the last trashed first

    assert main(["runs", "trash"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].split()[:3] == ["NAME", "IN", "TRASH"] and "TRASHED" in out[0] and out[0].endswith("NAME  TAGS")
    assert [line.split()[0] for line in out[1:]] == ["old~2", "old"] and out[2].endswith("Old   x")

    restored = workspace.restore_run("old")
    assert restored.path == workspace.runs_dir / "old" and restored.meta().display_name == "Old"
    assert not (restored.path / "trashed.json").exists()
    assert _files(restored.path) == files
    with pytest.raises(RunError, match=r"cannot restore old~2: a run with id 'old' is already in .*runs; move that "
                                       "one to the trash first"):
        workspace.restore_run("old~2")
    with pytest.raises(RunError, match="'nothing' is not in the trash"):
        workspace.restore_run("nothing")
    assert main(["runs", "restore", "nothing"]) == 2
    assert "workbench: error: 'nothing' is not in the trash" in capsys.readouterr().err


def test_trash_refuses_a_run_whose_lock_another_process_holds(workspace, capsys):
    run = workspace.create_run(CONFIG, name="held")
    holder = subprocess.Popen([sys.executable, "-c", "import sys; from workbench.runs import Run; "
                               "run = Run(sys.argv[1]); run.acquire(); print('held', flush=True); sys.stdin.read()",
                               str(run.path)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline() == "held\n"
        pid = Run(run.path).info().pid
        with pytest.raises(RunLockedError, match=rf"run held is being trained \(by process {pid} on .*\); stop it "
                                                 r"first \(`workbench control held stop`\), then move it to the trash"):
            workspace.trash_run(run)
        assert main(["runs", "rm", "held", "--yes"]) == 2
        assert "workbench: error: run held is being trained" in capsys.readouterr().err
        assert run.path.is_dir() and workspace.trashed_runs() == []
    finally:
        holder.stdin.close()
        holder.wait(timeout=TIMEOUT_S)
    assert workspace.trash_run(run).is_dir()  # the lock went with its process


def test_cli_rename_tag_note_and_rm_with_confirmation_on_a_terminal(workspace, capsys, monkeypatch):
    workspace.create_run(CONFIG, name="cli-run")
    assert main(["runs", "rename", "cli-run", "My run"]) == 0
    assert capsys.readouterr().out == "run cli-run: named 'My run'\n"
    assert main(["runs", "tag", "cli", "+gan", "baseline", "--workspace", str(workspace.root)]) == 0  # a prefix
    assert capsys.readouterr().out == "run cli-run: tags gan, baseline\n"
    assert main(["runs", "tag", "cli-run", "-gan", "-nope", "+lr:2e-4"]) == 0
    captured = capsys.readouterr()
    assert captured.out == "run cli-run: tags baseline, lr:2e-4\n" and "run cli-run has no tag 'nope'" in captured.err
    assert main(["runs", "tag", "cli-run"]) == 0
    assert capsys.readouterr().out == "run cli-run: tags baseline, lr:2e-4\n"
    assert main(["runs", "tag", "cli-run", "+bad tag"]) == 2
    assert "workbench: error: tag 'bad tag': a tag is 1 to 32" in capsys.readouterr().err
    assert main(["runs", "rename", "cli-run", "a\nb"]) == 2
    assert "must be one line" in capsys.readouterr().err

    assert main(["runs", "note", "cli-run", "lr too high?"]) == 0
    assert capsys.readouterr().out == "run cli-run: notes set (1 line)\n"
    monkeypatch.setattr(sys, "stdin", io.StringIO("from stdin\nline 2\n"))
    assert main(["runs", "note", "cli-run", "-"]) == 0
    assert capsys.readouterr().out == "run cli-run: notes set (2 lines)\n"
    assert main(["runs", "note", "cli-run"]) == 0
    assert capsys.readouterr().out == "from stdin\nline 2\n"
    assert main(["runs"]) == 0
    assert capsys.readouterr().out.splitlines()[1].endswith("My run  baseline,lr:2e-4")

    for answer, status in ((b"n\n", 1), (b"y\n", 0)):  # a real terminal: asked, and only "y" moves it
        master, slave = pty.openpty()
        rm = subprocess.Popen([sys.executable, "-m", "workbench", "runs", "rm", "cli-run"], stdin=slave,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=dict(os.environ))
        os.close(slave)
        os.write(master, answer)
        out, err = rm.communicate(timeout=TIMEOUT_S)
        os.close(master)
        assert rm.returncode == status, err
        assert out.decode().startswith(f"move cli-run (My run) to the trash ({workspace.root / 'trash'})? [y/N] ")
    assert out.decode().endswith(f"run cli-run: moved to the trash ({workspace.root / 'trash' / 'cli-run'}); "
                                 "undo with: workbench runs restore cli-run\n")
    assert main(["runs", "restore", "cli-run"]) == 0
    assert capsys.readouterr().out == f"run cli-run: restored to {workspace.runs_dir / 'cli-run'}\n"
    assert main(["runs", "rm", "cli-run"]) == 0  # not a terminal (a script): no question
    assert main(["runs", "trash", "--json"]) == 0
    out = capsys.readouterr().out
    rows = json.loads(out[out.index("["):])
    assert [(r["id"], r["original_id"], r["display_name"]) for r in rows] == [("cli-run", "cli-run", "My run")]
