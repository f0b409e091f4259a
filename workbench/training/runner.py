"""Train a stored run: take its lock, restore its latest checkpoint, record every event, set its status.

The one entry point the CLI and the GUI worker share, so both treat a run exactly the same way.
"""

from __future__ import annotations

import os
import socket
import time
from collections.abc import Iterator
from itertools import chain

from workbench.methods.capabilities import RunNotes
from workbench.runs.checkpoint_files import only_damaged_checkpoints
from workbench.runs.control import RequestTail
from workbench.runs.events import Event, LayoutEvent, RunEndEvent
from workbench.runs.run import Run, RunStatus
from workbench.training.checkpoints import CheckpointError
from workbench.training.class_coverage import ClassCoverageProbe
from workbench.training.control import TrainingControl
from workbench.training.distributed import DistributedContext, lost_peer
from workbench.training.eval_history import EvalHistory
from workbench.training.loop import train
from workbench.training.recorder import record
from workbench.training.session import TrainingSession

CLASS_COVERAGE_ENV = "WORKBENCH_CLASS_COVERAGE"  # "0": do not judge samples with the dataset's classifier


def _forget_after(run: Run, step: int) -> None:
    """Remove samples recorded after `step`: the resumed run will produce them again."""
    for png in run.samples_dir.glob("*_*.*"):
        stem_step = png.stem.rsplit("_", 1)[-1]
        if stem_step.isdigit() and int(stem_step) > step:
            png.unlink(missing_ok=True)


def run_training(run: Run, control: TrainingControl | None = None, total_steps: int | None = None,
                 distributed: DistributedContext | None = None) -> Iterator[Event]:
    """Train `run` from its latest checkpoint (or from scratch), yielding a LayoutEvent (the session starts) and
    then the loop's events, each once recorded.

    `total_steps` extends (or sets) the run's length; it is written to run.toml only once the checkpoint has
    loaded, so a refused resume leaves every file as it was. `distributed`: this is process 0 of a data-parallel
    run (the others run `follow_training`).
    """
    control = control or TrainingControl()
    if only_damaged_checkpoints(run.checkpoints_dir):  # refuse before touching any file of the run
        raise CheckpointError(f"run {run.id} has {run.missing_checkpoint_text()}; nothing was changed. Start over "
                              f"as a new run with the same settings (`workbench train --restart {run.id}`)")
    run.acquire(record_owner=False)  # run.toml is first written once the checkpoint has loaded
    writer = evaluator = session = None
    try:
        config = run.config if total_steps is None else run.config.replace("train", steps=total_steps)
        session = TrainingSession(config, distributed)
        if os.environ.get(CLASS_COVERAGE_ENV, "1") != "0":
            session.class_probe = ClassCoverageProbe.for_dataset(session.dataset, run.config.data,
                                                                 run.workspace_root)
        restored = session.restore_latest(run.checkpoints_dir)
        if config != run.config:
            run.write(config, run.info())
        writer = run.metrics_writer()
        # before the run reads as running: no request can be missed; a pause commits the steps recorded before it
        control.listen(RequestTail(run.path), before_wait=writer.flush)
        writer.truncate_after(session.step)
        _forget_after(run, session.step)
        run.update(status=RunStatus.RUNNING, step=session.step, error="", pid=os.getpid(), host=socket.gethostname())
        if restored is None:  # a new run: networks named in its settings (SRGAN's init_from) come from this workspace
            session.initialise_from_source(run.workspace_root)
        if isinstance(session.method, RunNotes):  # e.g. which content loss SRGAN could use
            run.set_notes(session.method.run_notes())
        evaluator = EvalHistory.for_session(session, run.workspace_root)  # train.eval_every
        layout = LayoutEvent(session.step, time.time(), tuple(session.method.loss_names), config.train.steps)
        events = chain([layout], train(session, control, run.checkpoints_dir, before_checkpoint=writer.flush,
                                       evaluator=evaluator))
        for event in record(events, run, writer):
            if isinstance(event, RunEndEvent):
                run.update(status=RunStatus(event.status), step=event.step)
            yield event
    except CheckpointError:  # a checkpoint that cannot be loaded: the run stays as it was, files untouched
        raise
    except Exception as err:
        if distributed is not None and lost_peer(err):  # another process of the run is gone (killed, its launcher)
            run.update(status=RunStatus.INTERRUPTED, error=f"another process of this data-parallel run ended: "
                                                          f"{str(err).splitlines()[0][:200]}")
        else:
            run.update(status=RunStatus.FAILED, error=f"{type(err).__name__}: {err}")
        raise
    except BaseException:  # interpreter shutdown, Ctrl-C twice, generator closed by its consumer
        run.update(status=RunStatus.INTERRUPTED)
        raise
    finally:
        if evaluator is not None:  # no evaluation thread outlives the run
            evaluator.close()
        if session is not None:  # nor a data loader worker
            session.close()
        control.listen(None)
        if writer is not None:
            writer.close()
        run.release()


def follow_training(run: Run, distributed: DistributedContext, total_steps: int | None = None) -> str:
    """Process 1, 2, … of a data-parallel run: the same session from the same checkpoint, training its slice of
    every batch in step with process 0, writing nothing (process 0 records the run). How it ended."""
    config = run.config if total_steps is None else run.config.replace("train", steps=total_steps)
    session = TrainingSession(config, distributed)
    restored = session.restore_latest(run.checkpoints_dir)
    if restored is None:
        session.initialise_from_source(run.workspace_root)
    status = "stopped"
    try:
        for event in train(session, TrainingControl()):
            if isinstance(event, RunEndEvent):
                status = event.status
    finally:
        session.close()
    return status
