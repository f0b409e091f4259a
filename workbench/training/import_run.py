"""Import a generator trained elsewhere as a read-only run (`workbench import-model`, File → Import model…).

The user's files are copied into a staging folder laid out as the run will be and loaded from there (the Python
file's code runs; weights are only read as tensors), the probe batch is decoded and checked, and only then is the
run created: `<run>/model/` holds the copies and the TOML, `checkpoints/` a step-0 checkpoint of the session's
bookkeeping (no weights: they stay in the copied file), run.toml the `imported` method's settings and status
finished. Any failure is one ConfigError line naming the file or key, and leaves nothing in the workspace.
"""

from __future__ import annotations

import secrets
import shutil
import tempfile
import time
from pathlib import Path

from workbench.compat import one_torch_thread
from workbench.config import ConfigError, DataConfig, RunConfig, TrainConfig
from workbench.methods.imported import MODEL_FOLDER, ImportedSettings
from workbench.methods.imported.manifest import Manifest, manifest_to_toml, settings_values
from workbench.runs import Run, Workspace
from workbench.runs.run import RunStatus
from workbench.training.session import TrainingSession, preserved_rng

IMPORTED_TAG = "imported"


def _config(manifest: Manifest, names: dict[Path, str], folder: Path) -> RunConfig:
    data = DataConfig(name=manifest.data_name, root=manifest.data_root, image_size=manifest.image_size,
                      channels=manifest.channels, batch_size=64)
    return RunConfig(ImportedSettings(**settings_values(manifest, names, str(folder))), data,
                     TrainConfig(steps=1, device="cpu"))


def _stage(manifest: Manifest, names: dict[Path, str], folder: Path) -> None:
    """Copies of the user's files in `<folder>/model/`, with the TOML: the original when every file sat beside
    it under its own name (comments kept), else one written from the manifest."""
    target = folder / MODEL_FOLDER
    target.mkdir(parents=True)
    for source, name in names.items():
        shutil.copy2(source, target / name)
    src = manifest.source
    if src is not None and all(p.parent == src.parent and n == p.name for p, n in names.items()):
        toml_name = src.name if src.name not in names.values() else "model.toml"
        shutil.copy2(src, target / toml_name)
    else:
        (target / "model.toml").write_text(manifest_to_toml(manifest, names), encoding="utf-8")


def _run_id(workspace: Workspace, manifest: Manifest, name: str | None) -> str:
    if name is not None:
        if not name or "/" in name or "\\" in name or name.startswith("."):
            raise ConfigError(f"--name {name!r}: a run id is a plain folder name")
        if (workspace.runs_dir / name).exists():
            raise ConfigError(f"--name {name!r}: a run with that id already exists in {workspace.runs_dir}")
        return name
    return f"{time.strftime('%Y%m%d-%H%M%S')}-imported-{manifest.label}-{secrets.token_hex(2)}"


def import_model(manifest: Manifest, workspace: Workspace, name: str | None = None) -> Run:
    """A new read-only run of the generator `manifest` declares; ConfigError (one line, nothing written) when
    a file, a class, the weights or the output shape do not fit."""
    run_id = _run_id(workspace, manifest, name)
    names = manifest.files()
    shown = f"{manifest.source.name}: " if manifest.source else ""  # the dialog's form has no file to name
    with tempfile.TemporaryDirectory(prefix="workbench-import-") as tmp:
        staging = Path(tmp) / run_id
        _stage(manifest, names, staging)
        try:
            with one_torch_thread(), preserved_rng():
                session = TrainingSession(_config(manifest, names, staging))
        except ConfigError as err:
            raise ConfigError(f"{shown}{err}") from None
        config = _config(manifest, names, workspace.runs_dir / run_id)
        run = workspace.create_run(config, name=run_id)
        try:
            shutil.copytree(staging / MODEL_FOLDER, run.path / MODEL_FOLDER)
            session.config = config  # the checkpoint's settings metadata names the run's folder
            session.save(run.checkpoints_dir)
            source = str(manifest.source) if manifest.source else "the Import model dialog"
            run.set_notes({"imported_from": source, "read_only": "an imported model: nothing trains it"})
            run.update(status=RunStatus.FINISHED, step=0)
            run.set_meta(tags=(IMPORTED_TAG,))
        except BaseException:
            shutil.rmtree(run.path, ignore_errors=True)
            raise
    return run
