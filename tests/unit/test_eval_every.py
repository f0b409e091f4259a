"""Metric history (`train.eval_every`) on real runs: the Evaluate tab's metrics of the model are computed in a
background thread and recorded as eval/ curves at the step they measure, labelled with their sample count; the
training result does not change (a resumed run, and a run without evaluations, end bit-identical); the thread is
joined when the run ends or stops; an overlapping evaluation is skipped with a note; a method with nothing to
measure records nothing and says why once.

The digits classifier (the feature extractor) is trained once per module with few steps and copied into each
test's workspace, as the app caches it there on first use.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

import pytest
import torch

from workbench.config import DataConfig, RunConfig, TrainConfig
from workbench.methods.dcgan import DCGANSettings
from workbench.methods.registry import available_methods
from workbench.runs import Run
from workbench.runs.events import AlertEvent, MetricEvent, RunEndEvent, StepEvent
from workbench.training.control import TrainingControl
from workbench.training.runner import run_training

pytestmark = pytest.mark.usefixtures("one_torch_thread")  # tests/conftest.py
REPO = Path(__file__).resolve().parents[2]
DATA = DataConfig(name="digits", image_size=8, batch_size=8)
SAMPLES = 100


def config(steps: int = 12, eval_every: int = 4, samples: int = SAMPLES, **train) -> RunConfig:
    schedule = {"sample_every": steps, "checkpoint_every": steps, **train}
    return RunConfig(DCGANSettings(latent_dim=8, g_channels=8, d_channels=8), DATA,
                     TrainConfig(steps=steps, seed=3, sample_count=4, eval_every=eval_every, eval_samples=samples,
                                 **schedule))


@pytest.fixture(scope="module")
def classifier_cache(tmp_path_factory) -> Path:
    from workbench.compat import one_torch_thread
    from workbench.data import build_dataset
    from workbench.metrics.feature_extractors import CACHE_FOLDER, dataset_classifier

    root = tmp_path_factory.mktemp("classifier")
    with one_torch_thread():
        dataset_classifier(build_dataset(DATA), root, steps=60, batch_size=32)
    return root / CACHE_FOLDER


@pytest.fixture
def ws(workspace, classifier_cache):
    from workbench.metrics.feature_extractors import CACHE_FOLDER

    shutil.copytree(classifier_cache, workspace.root / CACHE_FOLDER)
    return workspace


def eval_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.startswith("eval-step-")]


def train_waiting_for_evaluations(run: Run, control: TrainingControl | None = None):
    """Train, letting each evaluation finish before the next step: the loop never waits for them, so the test
    does (between steps), which makes every due evaluation run rather than be skipped."""
    for event in run_training(run, control):
        if isinstance(event, StepEvent):
            for thread in eval_threads():
                thread.join()
        yield event


def eval_rows(run: Run) -> list[tuple[int, str, float]]:
    with sqlite3.connect(run.metrics_path) as conn:
        return conn.execute("SELECT step, tag, value FROM scalars WHERE tag LIKE 'eval/%' "
                            "ORDER BY step, tag").fetchall()


def notes(events) -> list[str]:
    return [e.message for e in events if isinstance(e, AlertEvent) and e.kind == "evaluation"]


def checkpoint_state(run: Run) -> tuple[dict, dict[str, torch.Tensor]]:
    """The latest checkpoint's (structure without the settings, tensors): weights, optimizer moments, RNG states."""
    from workbench.runs.checkpoint_files import latest_checkpoint
    from workbench.training.checkpoints import flatten_state, load_checkpoint

    structure, tensors = flatten_state(load_checkpoint(latest_checkpoint(run.checkpoints_dir)))
    return {k: v for k, v in structure.items() if k != "config"}, tensors


def test_curves_at_their_steps_labelled_with_the_count_and_equal_to_workbench_eval(ws):
    from workbench.evaluation.run_evaluation import evaluate_run

    run = ws.create_run(config(), name="history")
    events = list(train_waiting_for_evaluations(run))
    assert isinstance(events[-1], RunEndEvent) and events[-1].status == "finished"
    measured = [e for e in events if isinstance(e, MetricEvent) and e.name.startswith("eval/")]
    assert sorted({e.step for e in measured}) == [4, 8, 12]
    labels = {e.name for e in measured}
    assert "eval/FID [digits-cnn, 100]" in labels and "eval/KID [digits-cnn, 100]" in labels
    assert "eval/classes covered (of 10) [digits-cnn, 100]" in labels
    assert all(", 100]" in label for label in labels), labels  # every label states the count
    # The step-4 numbers arrive after step 4 (the loop never waits), and are recorded at step 4.
    first = next(i for i, e in enumerate(events) if isinstance(e, MetricEvent) and e.name.startswith("eval/"))
    assert measured[0].step == 4 and any(isinstance(e, StepEvent) and e.step > 4 for e in events[:first])
    assert not notes(events)

    stored = eval_rows(run)
    assert {(e.step, e.name, e.value) for e in measured} == set(stored)
    # The curve's last point is `workbench eval` of the last checkpoint at the same count: the same code, seeds
    # and weights (a copy taken at that step).
    at_end = {tag.removeprefix("eval/"): value for step, tag, value in stored if step == 12}
    result = evaluate_run(run, samples=SAMPLES, store=False)
    assert result.step == 12 and set(result.metrics) == set(at_end)
    for label, value in result.metrics.items():
        assert at_end[label] == pytest.approx(value, rel=1e-9, abs=1e-12), label


def test_evaluations_do_not_change_the_training_and_a_resumed_run_is_bit_identical(ws):
    plain = ws.create_run(config(steps=10, eval_every=0, checkpoint_every=4), name="plain")
    list(run_training(plain))
    straight = ws.create_run(config(steps=10, eval_every=2, checkpoint_every=4), name="straight")
    straight_events = list(train_waiting_for_evaluations(straight))
    assert {e.step for e in straight_events if isinstance(e, MetricEvent) and e.name.startswith("eval/")} == {
        2, 4, 6, 8, 10}

    run = ws.create_run(config(steps=10, eval_every=2, checkpoint_every=4), name="stopped")
    control = TrainingControl()
    for event in train_waiting_for_evaluations(run, control):
        if isinstance(event, StepEvent) and event.step == 6:
            control.stop()
    assert run.latest_checkpoint_step() == 6
    resumed = subprocess.run([sys.executable, "-m", "workbench", "train", "--resume", "stopped"],
                             cwd=REPO, capture_output=True, text=True, timeout=240,
                             env={**os.environ, "OMP_NUM_THREADS": "1"})
    assert resumed.returncode == 0, resumed.stderr

    expected_structure, expected = checkpoint_state(plain)
    assert expected_structure["step"] == 10
    for other in (straight, Run(run.path)):
        structure, got = checkpoint_state(other)
        assert structure == expected_structure and got.keys() == expected.keys()
        for key, tensor in expected.items():
            assert torch.equal(got[key], tensor), f"{other.id}: {key}"
    # The resumed run measured the steps after its checkpoint (the CLI does not wait: step 10 may have been
    # skipped), never a step twice; the stop cancelled the step-6 evaluation it had just started.
    steps = [step for step, tag, _ in eval_rows(Run(run.path)) if tag == "eval/FID [digits-cnn, 100]"]
    assert steps == sorted(set(steps)) and {2, 4, 8} <= set(steps) <= {2, 4, 6, 8, 10}


def test_no_evaluation_thread_outlives_a_finished_stopped_or_abandoned_run(ws):
    run = ws.create_run(config(steps=6, eval_every=1, samples=2000), name="finished")
    events = list(run_training(run))
    assert not eval_threads()
    # A finished run waits for the evaluation in flight: the last due step is measured or was skipped.
    last = {e.step for e in events if isinstance(e, MetricEvent) and e.name.startswith("eval/")}
    assert last and max(last) <= 6

    run = ws.create_run(config(steps=1000, eval_every=1, samples=2000), name="stopped")
    control = TrainingControl()
    running_at_stop = False
    events = []
    for event in run_training(run, control):
        events.append(event)
        if isinstance(event, StepEvent) and event.step == 3:
            running_at_stop = bool(eval_threads())
            control.stop()
    assert isinstance(events[-1], RunEndEvent) and events[-1].status == "stopped"
    assert not eval_threads()
    if running_at_stop:  # a stop cancels the evaluation in flight, and says so
        assert any("cancelled: the run stopped" in n for n in notes(events))

    run = ws.create_run(config(steps=1000, eval_every=1, samples=2000), name="abandoned")
    events = run_training(run)
    for event in events:
        if isinstance(event, StepEvent) and event.step == 2:
            break
    events.close()  # the consumer goes away (window closed): the runner cancels and joins
    assert not eval_threads()


def test_an_evaluation_due_while_one_runs_is_skipped_with_a_note(ws):
    from workbench import compat

    run = ws.create_run(config(steps=6, eval_every=1), name="overlap")
    events = []
    # The evaluation thread's first act is to enter `one_torch_thread`, whose lock this test holds for three
    # steps: the step-1 evaluation is in flight, whatever the machine's speed, when steps 2 and 3 are due.
    with compat._threads_lock:
        stream = run_training(run)
        for event in stream:
            events.append(event)
            if isinstance(event, StepEvent) and event.step == 4:
                break
    events.extend(stream)
    said = notes(events)
    assert said[0].startswith("evaluation of step 2 skipped: the one of step 1 is still running"), said
    assert sum("skipped: the one of" in n for n in said) == 1  # said once, then counted
    assert any("evaluations were skipped in this session" in n for n in said[1:]), said
    measured = {e.step for e in events if isinstance(e, MetricEvent) and e.name.startswith("eval/")}
    assert 1 in measured and not measured & {2, 3}
    assert not eval_threads()


def test_a_method_with_nothing_to_measure_records_nothing_and_says_why_once(workspace):
    from workbench.data.catalog import dataset_spec
    from workbench.methods.registry import method_spec

    spec = method_spec("pix2pix")
    tiny = spec.tiny
    run_config = RunConfig(spec.settings(**dict(tiny.settings)),
                           DataConfig(name=tiny.data, image_size=tiny.image_size, batch_size=tiny.batch_size,
                                      **{"channels": dataset_spec(tiny.data).default_channels,
                                         **dict(tiny.data_options)}),
                           TrainConfig(steps=4, sample_every=4, checkpoint_every=4, sample_count=4, eval_every=1))
    run = workspace.create_run(run_config, name="translator")
    events = list(run_training(run))
    assert events[-1].status == "finished"
    said = notes(events)
    assert len(said) == 1 and "nothing to measure" in said[0] and "maps input images to output images" in said[0]
    assert not eval_rows(run) and not eval_threads()


def test_the_copy_shares_nothing_the_training_changes(ws):
    from workbench.training.eval_history import method_copy
    from workbench.training.session import TrainingSession

    session = TrainingSession(config())
    copy = method_copy(session.method)
    assert copy.opt_g is None and copy.scaler_d is None and copy.noise is not session.method.noise
    assert copy.config is session.method.config
    assert torch.equal(copy.sample(8, seed=1), session.method.sample(8, seed=1))
    live = dict(session.method.G.named_buffers()) | dict(session.method.G.named_parameters())
    for name, tensor in [*copy.G.named_buffers(), *copy.G.named_parameters()]:
        assert tensor.data_ptr() != live[name].data_ptr(), name
    session.method.train_step(session.stream.next())  # training moves on; the copy keeps step 0's weights
    assert not torch.equal(copy.sample(8, seed=1), session.method.sample(8, seed=1))


@pytest.mark.parametrize("name", sorted(spec.name for spec in available_methods() if spec.trainable))
def test_every_method_with_metrics_is_copied_and_scored_alike(name):
    """The copy of each registered method that has something to measure samples (and reconstructs) exactly as the
    method does, so a curve's point is the model's at that step."""
    from workbench.data.catalog import dataset_spec
    from workbench.methods.registry import method_spec
    from workbench.metrics.model_scores import score_plan
    from workbench.training.eval_history import method_copy
    from workbench.training.session import TrainingSession

    spec = method_spec(name)
    tiny = spec.tiny
    data = DataConfig(name=tiny.data, image_size=tiny.image_size, batch_size=tiny.batch_size,
                      **{"channels": dataset_spec(tiny.data).default_channels, **dict(tiny.data_options)})
    session = TrainingSession(RunConfig(spec.settings(**dict(tiny.settings)), data, TrainConfig(steps=1)))
    plan = score_plan(session.method, generates=spec.generates, data_kind=session.dataset.info.kind)
    if plan.empty:
        assert not spec.generates or session.dataset.info.kind == "voxels", name
        return
    session.method.train_step(session.stream.next())
    copy = method_copy(session.method)
    assert torch.equal(copy.sample(3, seed=5), session.method.sample(3, seed=5))
    if plan.reconstructs:
        x = session.dataset.get_batch(torch.arange(3))[0]
        assert torch.equal(copy.decode(copy.encode(x)), session.method.decode(session.method.encode(x)))
