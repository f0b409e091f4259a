"""The run store read back as typed events: every event type round-trips through the recorder and the reader,
a reader in this process tails a writer in another one (in order, each event once), and a resume's replayed
steps and stores written before the reader existed read correctly."""

from __future__ import annotations

import math
import sqlite3
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest
from PIL import Image

from workbench.config import RunConfig, TrainConfig
from workbench.methods.vae import VAESettings
from workbench.runs import MetricsWriter
from workbench.runs.event_codec import KINDS, decode, encode
from workbench.runs.event_reader import EventReader
from workbench.runs.events import (
    AlertEvent,
    CheckpointEvent,
    ControlEvent,
    LayoutEvent,
    MetricEvent,
    RunEndEvent,
    SampleEvent,
    ScatterEvent,
    StepEvent,
)
from workbench.training.recorder import record

CONFIG = RunConfig(method=VAESettings(latent_dim=2), train=TrainConfig(steps=10))
T0 = 1_700_000_000.0


def test_every_event_type_round_trips_through_the_recorder_and_the_reader(workspace):
    run = workspace.create_run(CONFIG, name="round-trip")
    grid = np.random.default_rng(0).integers(0, 255, (10, 12, 3), dtype=np.uint8)
    points = {"codes": np.random.default_rng(1).normal(size=(5, 2)).astype(np.float32),
              "prior": np.zeros((3, 2), np.float32)}
    sent = [
        LayoutEvent(0, T0, ("loss", "kl"), 10),
        StepEvent(1, T0 + 1, {"loss": 1.5, "kl": float("nan"), "grad_norm": 3.0}, 9.0, 1.0, 10),
        MetricEvent(1, T0 + 1.4, "sample_diversity", 0.75),
        SampleEvent(1, T0 + 1.5, "samples", grid),
        ScatterEvent(1, T0 + 1.5, "latent", points),
        StepEvent(2, T0 + 2, {"loss": 1.25, "kl": 0.5, "grad_norm": 2.0}, 1.0, 8.0, 10),
        AlertEvent(2, T0 + 2.1, "non_finite", "kl became non-finite at step 1"),
        CheckpointEvent(2, T0 + 2.2, str(run.checkpoints_dir / "0000000002.safetensors")),
        RunEndEvent(2, T0 + 2.3, "stopped"),
    ]
    writer = run.metrics_writer()
    passed = list(record(iter(sent), run, writer))
    writer.close()
    assert [type(e) for e in passed] == [type(e) for e in sent]
    assert passed[3].image is grid and passed[3].path == str(run.path / "samples/samples_00000001.png")
    assert passed[4].path == str(run.path / "samples/latent_00000001.npz")

    got = EventReader(run).read_new()
    assert [type(e) for e in got] == [type(e) for e in sent]
    for before, after in zip(sent, got, strict=True):
        if isinstance(before, StepEvent):
            assert (after.step, after.wall, after.total_steps) == (before.step, before.wall, 10)
            assert after.scalars.keys() == before.scalars.keys()
            assert all(a == b or (math.isnan(a) and math.isnan(b))
                       for a, b in zip(after.scalars.values(), before.scalars.values(), strict=True))
        elif isinstance(before, SampleEvent | ScatterEvent):
            assert after == passed[sent.index(before)]  # step, wall, name and the file's absolute path
        else:
            assert after == before
    assert got[5].iterations_per_second == pytest.approx(1.0) and got[5].eta_seconds == pytest.approx(8.0)
    assert got[1].iterations_per_second == 0.0 and got[1].eta_seconds is None  # one step: no rate yet
    with Image.open(got[3].path) as image:
        assert np.array_equal(np.asarray(image), grid)
    with np.load(got[4].path) as stored:
        assert all(np.array_equal(stored[k], v) for k, v in points.items())


def test_one_table_spells_every_stored_kind():
    assert {kind.name for kind in KINDS} == {"layout", "checkpoint", "alert", "control", "end"}
    assert encode(ControlEvent(3, T0, "pause", 17)) == ("control:pause", "17")
    assert decode(3, T0, "control:pause", "17") == ControlEvent(3, T0, "pause", 17)
    assert encode(AlertEvent(3, T0, "saturation", "D wins")) == ("alert:saturation", "D wins")
    assert decode(3, T0, "alert:saturation", "D wins") == AlertEvent(3, T0, "saturation", "D wins")
    assert decode(3, T0, "something-newer", "x") is None
    assert decode(3, T0, "layout", "not json") is None
    with pytest.raises(TypeError):
        encode(StepEvent(1, T0, {}, 0.0, None, 1))


WRITER = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from workbench.runs import MetricsWriter
    from workbench.runs.events import (AlertEvent, CheckpointEvent, LayoutEvent, MetricEvent, RunEndEvent,
                                       SampleEvent, StepEvent)

    db, ack = Path(sys.argv[1]), Path(sys.argv[2])
    writer = MetricsWriter(db, commit_interval=0.0)
    writer.add(LayoutEvent(0, time.time(), ("loss",), 300))
    for step in range(1, 301):
        writer.add(StepEvent(step, time.time(), {"loss": step * 0.5, "kl": -step}, 0.0, None, 300))
        if step % 50 == 0:
            writer.add(SampleEvent(step, time.time(), "samples", path=f"samples/samples_{step:08d}.png"))
            writer.add(MetricEvent(step, time.time(), "sample_diversity", step / 300))
        if step == 120:
            writer.add(AlertEvent(step, time.time(), "saturation", "D wins"))
        if step == 100:
            writer.add(CheckpointEvent(step, time.time(), "first"))
            deadline = time.monotonic() + 60
            while not ack.exists():  # wait until the reader has seen the first events
                if time.monotonic() > deadline:
                    sys.exit("reader never acknowledged")
                time.sleep(0.01)
        if step % 50 == 0:
            time.sleep(0.02)
    writer.add(RunEndEvent(300, time.time(), "finished"))
    writer.close()
    """
)


def test_reader_tails_a_writer_in_another_process_in_order_each_event_once(tmp_path):
    db, ack = tmp_path / "metrics.sqlite", tmp_path / "ack"
    proc = subprocess.Popen([sys.executable, "-c", WRITER, str(db), str(ack)])
    reader = EventReader(db)
    events, reads_with_events = [], 0
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            exited = proc.poll() is not None
            new = reader.read_new()
            if new:
                reads_with_events += 1
                events += new
            if any(isinstance(e, StepEvent) for e in events) and not ack.exists():
                assert max(e.step for e in events) <= 100  # the writer is still blocked at step 100
                ack.touch()
            if exited and not new and not reader.changed():
                break
            time.sleep(0.01)
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait()
    assert proc.returncode == 0
    steps = [e for e in events if isinstance(e, StepEvent)]
    assert [e.step for e in steps] == list(range(1, 301)), "steps missing, repeated or out of order"
    assert all(e.scalars == {"loss": e.step * 0.5, "kl": -e.step} and e.total_steps == 300 for e in steps)
    assert [e.step for e in events] == sorted(e.step for e in events), "events out of step order"
    assert reads_with_events >= 2, "events must arrive while the writer is still writing"
    assert isinstance(events[0], LayoutEvent) and events[-1] == RunEndEvent(300, events[-1].wall, "finished")
    others = [(type(e).__name__, e.step) for e in events if not isinstance(e, StepEvent | LayoutEvent | RunEndEvent)]
    expected = sorted([("SampleEvent", s) for s in range(50, 301, 50)] + [("MetricEvent", s) for s in
                      range(50, 301, 50)] + [("CheckpointEvent", 100), ("AlertEvent", 120)], key=lambda x: x[1])
    assert sorted(others, key=lambda x: x[1]) == expected
    assert [e.path for e in events if isinstance(e, SampleEvent)][0] == str(tmp_path / "samples/samples_00000050.png")
    checkpoint = next(i for i, e in enumerate(events) if isinstance(e, CheckpointEvent))
    assert events[checkpoint - 1].step == 100 and events[checkpoint + 1].step >= 100  # in its place among steps
    assert 250 < steps[-1].iterations_per_second and steps[-1].eta_seconds == 0  # recomputed from wall times
    assert reader.read_new() == [] and not reader.changed()  # nothing comes twice
    reader.close()


def test_a_resumed_session_and_its_replayed_steps_reach_a_reader_that_saw_the_old_ones(tmp_path):
    db = tmp_path / "metrics.sqlite"
    writer = MetricsWriter(db)
    writer.add(LayoutEvent(0, T0, ("loss",), 10))
    for step in range(1, 9):
        writer.add(StepEvent(step, T0 + step, {"loss": 1.0}, 0.0, None, 10))
    writer.flush()
    reader = EventReader(db)
    assert [e.step for e in reader.read_new()] == [0, *range(1, 9)]
    writer.truncate_after(5)  # steps 6-8 were never checkpointed: a resume replays them
    writer.add(LayoutEvent(5, T0 + 20, ("loss",), 10))
    for step in range(6, 8):
        writer.add(StepEvent(step, T0 + 20 + step, {"loss": 2.0}, 0.0, None, 10))
    writer.close()
    again = reader.read_new()
    assert [(type(e).__name__, e.step) for e in again] == [("LayoutEvent", 5), ("StepEvent", 6), ("StepEvent", 7)]
    assert again[1].scalars == {"loss": 2.0}
    assert [e.step for e in EventReader(db).read_new()] == [0, 1, 2, 3, 4, 5, 5, 6, 7]


def test_a_store_written_before_event_types_were_stored_reads_as_events(workspace):
    run = workspace.create_run(CONFIG, name="old")
    conn = sqlite3.connect(run.metrics_path)  # the schema and rows of the version before this one
    conn.executescript("""
        CREATE TABLE scalars (id INTEGER PRIMARY KEY, step INTEGER NOT NULL, wall REAL NOT NULL, tag TEXT NOT NULL,
                              value REAL);
        CREATE TABLE events (id INTEGER PRIMARY KEY, step INTEGER NOT NULL, wall REAL NOT NULL, kind TEXT NOT NULL,
                             message TEXT NOT NULL);
        CREATE TABLE samples (id INTEGER PRIMARY KEY, step INTEGER NOT NULL, wall REAL NOT NULL, name TEXT NOT NULL,
                              path TEXT NOT NULL);
    """)
    conn.execute("INSERT INTO events(step, wall, kind, message) VALUES (0, 1.0, 'layout', '{\"losses\": [\"loss\"]}')")
    conn.executemany("INSERT INTO scalars(step, wall, tag, value) VALUES (?,?,?,?)",
                     [(1, 2.0, "loss", 0.5), (1, 2.0, "kl", None), (2, 3.0, "loss", 0.25), (2, 3.0, "kl", 0.1)])
    conn.commit()
    conn.close()
    reader = EventReader(run)
    events = reader.read_new()
    assert events[0] == LayoutEvent(0, 1.0, ("loss",), 0)
    assert [(e.step, e.total_steps) for e in events[1:]] == [(1, 10), (2, 10)]  # the length from run.toml
    assert math.isnan(events[1].scalars["kl"]) and events[2].scalars == {"loss": 0.25, "kl": 0.1}
    writer = run.metrics_writer()  # a newer trainer resuming it adds what it needs
    writer.add(MetricEvent(2, 4.0, "sample_diversity", 0.5))
    writer.close()
    assert EventReader(run).read_new()[-1] == MetricEvent(2, 4.0, "sample_diversity", 0.5)


def test_an_idle_store_costs_no_query(tmp_path):
    db = tmp_path / "metrics.sqlite"
    reader = EventReader(db)
    assert reader.read_new() == [] and not reader.changed()  # no file yet: not even created by reading
    assert not db.exists()
    writer = MetricsWriter(db)
    writer.add(StepEvent(1, T0, {"loss": 1.0}, 0.0, None, 5))
    writer.flush()
    assert [e.step for e in reader.read_new()] == [1]
    assert not reader.changed(), "nothing was committed since the last read"
    writer.add(AlertEvent(1, T0 + 1, "collapse", "samples look alike"))
    assert reader.changed()
    writer.close()
