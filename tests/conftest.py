"""Shared test set-up: no display needed (Qt offscreen) and a throwaway workspace per test."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("OMP_NUM_THREADS", "1")
# Runs in tests skip the background classifier that judges class coverage (tested on its own).
os.environ.setdefault("WORKBENCH_CLASS_COVERAGE", "0")  # 2 threads on 2 busy cores thrash

import pytest  # noqa: E402


@pytest.fixture(autouse=True)
def private_settings(tmp_path, monkeypatch):
    """The window's remembered settings go to a file of the test's own, never the user's (and subprocesses
    inherit it)."""
    path = tmp_path / "settings.ini"
    monkeypatch.setenv("WORKBENCH_SETTINGS", str(path))
    return path


@pytest.fixture(autouse=True)
def no_shipped_examples(monkeypatch):
    """Tests see no shipped examples (workbench/models) unless they point WORKBENCH_EXAMPLES at some."""
    monkeypatch.setenv("WORKBENCH_EXAMPLES", "")


@pytest.fixture
def workspace(tmp_path, monkeypatch):
    """A Workspace in a temporary folder, also exported as WORKBENCH_WORKSPACE for subprocesses."""
    from workbench.runs import Workspace

    monkeypatch.setenv("WORKBENCH_WORKSPACE", str(tmp_path / "ws"))
    return Workspace(tmp_path / "ws")


@pytest.fixture
def one_torch_thread():
    """Tiny networks on a shared 2-core machine: a second intra-op thread only adds contention. Modules opt in
    with `pytestmark = pytest.mark.usefixtures("one_torch_thread")`."""
    import torch

    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(previous)


@pytest.fixture
def tiny_run(workspace):
    """Factory: a run of `method` trained for a few steps with tiny networks, with a checkpoint at the end.

    `tiny_run("vae", data="shapes2d", image_size=16, steps=6, latent_dim=6)`; extra keyword arguments go to the
    method's settings, `data_options` to DataConfig (channels default to the dataset's).
    Runs on one torch thread (2 threads on 2 busy cores only thrash).
    """
    import torch

    from workbench.config import DataConfig, RunConfig, TrainConfig
    from workbench.methods.registry import method_settings_class
    from workbench.training.runner import run_training

    small = {"channels": 8, "g_channels": 8, "d_channels": 8, "d_hidden": 16, "latent_dim": 4, "d_layers": 2}

    def make(method: str = "vae", *, data: str = "digits", image_size: int = 8, steps: int = 4,
             batch_size: int = 16, name: str | None = None, data_options: dict | None = None, **settings):
        from workbench.data.catalog import dataset_spec

        cls = method_settings_class(method)
        fields = set(cls.__dataclass_fields__)
        chosen = {k: v for k, v in small.items() if k in fields}
        chosen.update(settings)
        data_fields = {"channels": dataset_spec(data).default_channels, **(data_options or {})}
        data_config = DataConfig(name=data, image_size=image_size, batch_size=batch_size, **data_fields)
        config = RunConfig(cls(**chosen), data_config,
                           TrainConfig(steps=steps, sample_every=steps, checkpoint_every=steps, sample_count=4))
        run = workspace.create_run(config, name=name or f"tiny-{method}")
        previous = torch.get_num_threads()
        torch.set_num_threads(1)
        try:
            for _ in run_training(run):
                pass
        finally:
            torch.set_num_threads(previous)
        return run

    return make
