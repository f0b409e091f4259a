"""The notebook reader (`workbench.runs.open`) and the exports (TensorBoard, CSV, Parquet), compared with what
metrics.sqlite holds; the TensorBoard files read back with TensorBoard's own EventAccumulator."""

from __future__ import annotations

import csv
import io
import json
import math
import sqlite3
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from PIL import Image

import workbench.runs
from workbench.cli import main

pytestmark = pytest.mark.usefixtures("one_torch_thread")  # tests/conftest.py


def _store_rows(run) -> list[tuple[int, float, str, float]]:
    conn = sqlite3.connect(f"file:{run.metrics_path}?mode=ro", uri=True)
    try:
        rows = conn.execute("SELECT step, wall, tag, value FROM scalars ORDER BY id").fetchall()
    finally:
        conn.close()
    return [(s, w, t, math.nan if v is None else v) for s, w, t, v in rows]


def _same(a: float, b: float) -> bool:
    return (math.isnan(a) and math.isnan(b)) or a == b


@pytest.fixture
def trained(tiny_run):
    """A VAE run (samples and reconstructions at steps 0 and 6) with a name, tags, notes, a NaN and an evaluation."""
    from workbench.evaluation.store import EvaluationResult, store_evaluation

    run = tiny_run("vae", data="shapes2d", image_size=16, steps=6, latent_dim=4)
    run.set_meta(display_name="Tiny VAE", tags=["vae", "tiny"], notes="a note\nover two lines")
    writer = run.metrics_writer()
    writer.add_metrics(6, 1234.5, {"diverged": math.nan})
    writer.close()
    store_evaluation(run, EvaluationResult(run.id, 6, "vae", "shapes2d", {"PSNR [200]": 17.25}, 200, 0, 1.0))
    return run


def test_reader_gives_config_info_meta_scalars_samples_and_evaluations(workspace, trained):
    for ref in (trained.id, trained.id[:6], str(trained.path), str(trained.path / "run.toml")):
        reader = workbench.runs.open(ref)  # by id or prefix ($WORKBENCH_WORKSPACE) or by folder
        assert reader.path == trained.path
    reader = workbench.runs.open(trained.id, workspace=workspace.root)
    with pytest.raises(FileNotFoundError, match="no run 'nothing'"):
        workbench.runs.open("nothing")
    assert reader.config == trained.config and reader.config.method.latent_dim == 4
    assert reader.info.status == "finished" and reader.info.step == 6
    assert reader.meta.display_name == "Tiny VAE" and reader.meta.tags == ("vae", "tiny")

    stored = _store_rows(trained)
    frame = reader.scalars()
    assert list(frame.columns) == ["step", "wall", "tag", "value"] and len(frame) == len(stored)
    assert frame["step"].dtype == np.int64 and frame["value"].dtype == np.float64
    assert all(_same(a, b) and (s, w, t) == (s2, w2, t2)
               for (s, w, t, a), (s2, w2, t2, b) in zip(stored, frame.itertuples(index=False), strict=True))
    assert {"loss", "kl", "diverged", "eval/PSNR [200]"} <= set(reader.tags())
    kl = reader.scalars("kl")
    assert set(kl["tag"]) == {"kl"} and list(kl["step"]) == [1, 2, 3, 4, 5, 6]
    assert set(reader.scalars(["kl", "loss"])["tag"]) == {"kl", "loss"}
    wide = reader.scalars(["kl", "loss"], wide=True)
    assert list(wide.index) == [1, 2, 3, 4, 5, 6] and list(wide.columns) == ["kl", "loss"]
    assert wide.loc[6, "kl"] == kl[kl["step"] == 6]["value"].iloc[-1]
    assert math.isnan(reader.scalars("diverged")["value"].iloc[0])

    samples = reader.samples()
    assert (0, "samples", trained.path / "samples" / "samples_00000000.png") in samples
    assert {name for _, name, _ in samples} >= {"samples", "reconstruction"}
    image = reader.sample_image(6, "samples")
    with Image.open(trained.path / "samples" / "samples_00000006.png") as png:
        assert image.dtype == np.uint8 and image.ndim == 3 and image.shape[2] == 3
        assert np.array_equal(image, np.asarray(png.convert("RGB")))
    with pytest.raises(KeyError, match="no 'samples' image at step 3; steps with one: 0, 6"):
        reader.sample_image(3)

    evaluations = reader.evaluations()
    assert evaluations[["step", "label", "value", "samples"]].values.tolist() == [[6, "PSNR [200]", 17.25, 200]]


def test_exports_match_the_store(workspace, trained, tmp_path, capsys):
    tb, csv_path, parquet = tmp_path / "tb", tmp_path / "out" / "scalars.csv", tmp_path / "scalars.parquet"
    args = ["export", trained.id, "--tensorboard", str(tb), "--csv", str(csv_path), "--parquet", str(parquet)]
    assert main(args) == 0
    out = capsys.readouterr().out.splitlines()
    assert out == [f"wrote {csv_path}", f"wrote {parquet}",
                   f"wrote {tb / trained.id}; view with: tensorboard --logdir {tb}"]
    stored = _store_rows(trained)

    with open(csv_path, newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    assert rows[0] == ["step", "wall", "tag", "value"] and len(rows) == len(stored) + 1
    assert all((int(s), float(w), t) == (s2, w2, t2) and _same(float(v), v2)
               for (s, w, t, v), (s2, w2, t2, v2) in zip(rows[1:], stored, strict=True))
    pd.testing.assert_frame_equal(pd.read_parquet(parquet), workbench.runs.open(trained.path).scalars())

    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    files = list((tb / trained.id).iterdir())
    assert len(files) == 1 and files[0].name.startswith("events.out.tfevents.")
    events = EventAccumulator(str(tb / trained.id), size_guidance={"scalars": 0, "images": 0, "tensors": 0})
    events.Reload()
    tags = {t for _, _, t, _ in stored}
    assert set(events.Tags()["scalars"]) == tags
    for tag in tags:
        want = [(s, w, v) for s, w, t, v in stored if t == tag]
        got = [(e.step, e.wall_time, e.value) for e in events.Scalars(tag)]
        assert [(s, w) for s, w, _ in got] == [(s, w) for s, w, _ in want], tag  # every step, its wall time
        assert all(_same(a, float(np.float32(b))) for (_, _, a), (_, _, b) in zip(got, want, strict=True)), tag

    pngs = [(s, n, p) for s, n, p in workbench.runs.open(trained.path).samples() if p.suffix == ".png"]
    assert set(events.Tags()["images"]) == {n for _, n, _ in pngs}
    for name in {n for _, n, _ in pngs}:
        images = events.Images(name)
        assert [e.step for e in images] == [s for s, n, _ in pngs if n == name]
        for event, (_, _, path) in zip(images, [x for x in pngs if x[1] == name], strict=True):
            with Image.open(io.BytesIO(event.encoded_image_string)) as got, Image.open(path) as want:
                assert np.array_equal(np.asarray(got.convert("RGB")), np.asarray(want.convert("RGB")))

    texts = {tag: events.Tensors(tag)[0].tensor_proto.string_val[0].decode() for tag in events.Tags()["tensors"]}
    assert "[method]" in texts["config/text_summary"] and 'name = "vae"' in texts["config/text_summary"]
    assert "**Tiny VAE**" in texts["run/text_summary"] and "`tiny`" in texts["run/text_summary"]

    assert main(args) == 0  # again: the earlier export is replaced, not added to
    assert len(list((tb / trained.id).iterdir())) == 1 and not [p for p in tb.iterdir() if p.name.startswith(".")]


@pytest.mark.parametrize(("extra", "expected"), [
    ([], "export needs at least one of --tensorboard DIR, --csv FILE, --parquet FILE"),
    (["--csv", "{tmp}/scalars.txt"], "cannot write scalars.txt: the file name must end in one of .csv"),
    (["--parquet", "{tmp}"], "the file name must end in one of .parquet, .pq"),
    (["--tensorboard", "{tmp}/file"], "it is a file; give a folder for the TensorBoard logs"),
])
def test_export_errors_exit_2_naming_the_problem(workspace, trained, tmp_path, capsys, extra, expected):
    (tmp_path / "file").write_text("x")
    assert main(["export", trained.id, *[a.format(tmp=tmp_path) for a in extra]]) == 2
    assert expected in capsys.readouterr().err


def test_import_of_workbench_runs_stays_light():
    code = ("import sys, json, workbench.runs; "
            "print(json.dumps(sorted(m for m in ('torch', 'pandas', 'pyarrow', 'tensorboard', 'PIL', 'PySide6') "
            "if m in sys.modules)))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == []
