"""A run exported for other tools: TensorBoard event files, CSV, Parquet.

- TensorBoard (`export_tensorboard(run, DIR)`): `DIR/<run id>/events.out.tfevents...`, written with the maintained
  writer (torch.utils.tensorboard.SummaryWriter): every scalar tag with its steps and wall times, the stored sample
  grids as images at their steps, the config (run.toml) and the run's name, tags and notes as text, alerts as text
  at their steps. One folder per run, so `tensorboard --logdir DIR` shows several exported runs side by side;
  exporting a run again replaces its folder.
- CSV (`export_csv`) and Parquet (`export_parquet`): the scalars in long format, columns step, wall, tag, value.

Every export is written to a temporary file or folder first and moved into place (workbench/atomic.py): an
interrupted export leaves the previous one, never half a file. torch, tensorboard, pandas and pyarrow are imported
by the functions that need them.
"""

from __future__ import annotations

import csv
import io
import math
import os
import shutil
import tempfile
from pathlib import Path

from workbench.atomic import TEMP_PREFIX, export_target, export_through_temporary, fsync_directory
from workbench.runs.meta import RunError
from workbench.runs.reader import RunReader, read_rgb

TFEVENTS_PREFIX = "events.out.tfevents."


class ExportError(RunError):
    """The export cannot be written (a folder where a file should be, a missing package...); says why."""


def _scalar_rows(reader: RunReader) -> list[tuple[int, float, str, float]]:
    rows = reader.sql("SELECT step, wall, tag, value FROM scalars ORDER BY id")
    return [(int(s), float(w), str(t), math.nan if v is None else float(v)) for s, w, t, v in rows]


def export_csv(reader: RunReader, path: str | Path) -> Path:
    """The scalars as CSV (header step,wall,tag,value; NaN written as "nan")."""
    target = export_target(path, (".csv",), ExportError)
    buffer = io.StringIO()
    out = csv.writer(buffer, lineterminator="\n")
    out.writerow(["step", "wall", "tag", "value"])
    out.writerows((s, repr(w), t, repr(v)) for s, w, t, v in _scalar_rows(reader))
    return export_through_temporary(target, lambda tmp: tmp.write_text(buffer.getvalue(), encoding="utf-8"),
                                    ExportError)


def export_parquet(reader: RunReader, path: str | Path) -> Path:
    """The scalars as a Parquet table (step int64, wall float64, tag string, value float64)."""
    target = export_target(path, (".parquet", ".pq"), ExportError)
    try:
        import pyarrow  # noqa: F401 - pandas writes Parquet through it
    except ImportError:
        raise ExportError("Parquet export needs the pyarrow package (pip install pyarrow)") from None
    frame = reader.scalars()
    return export_through_temporary(target, lambda tmp: frame.to_parquet(tmp, index=False), ExportError)


def _config_text(reader: RunReader) -> str:
    """run.toml as a Markdown code block (indented: TensorBoard's text view shows it as written)."""
    text = (reader.path / reader.run.CONFIG_FILE).read_text(encoding="utf-8")
    return "\n".join("    " + line for line in text.splitlines())


def _meta_text(reader: RunReader) -> str:
    try:
        meta = reader.meta
    except RunError as err:
        return f"(meta.json could not be read: {err})"
    lines = [f"**{meta.display_name or reader.id}** (`{reader.id}`)"]
    if meta.tags:
        lines.append("tags: " + ", ".join(f"`{t}`" for t in meta.tags))
    if meta.notes:
        lines += ["", meta.notes]
    return "\n".join(lines)


def export_tensorboard(reader: RunReader, folder: str | Path) -> Path:
    """Write the run's TensorBoard event file into `folder/<run id>/` (replacing an earlier export of it)."""
    root = Path(folder).expanduser()
    if root.exists() and not root.is_dir():
        raise ExportError(f"cannot write to {root}: it is a file; give a folder for the TensorBoard logs")
    target = root / reader.id
    if target.exists() and any(not p.name.startswith(TFEVENTS_PREFIX) for p in target.iterdir()):
        raise ExportError(f"{target} holds files other than TensorBoard event files; choose another folder")
    try:
        from torch.utils.tensorboard import SummaryWriter
    except ImportError as err:
        raise ExportError(f"TensorBoard export needs the tensorboard package (pip install tensorboard): {err}"
                          ) from None
    try:
        root.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f"{TEMP_PREFIX}{reader.id}.", dir=root))
    except OSError as err:
        raise ExportError(f"cannot write to {root}: {err.strerror or err}") from None
    try:
        writer = SummaryWriter(log_dir=str(tmp))
        try:
            first_wall = None
            for step, wall, tag, value in _scalar_rows(reader):
                first_wall = wall if first_wall is None else first_wall
                writer.add_scalar(tag, value, global_step=step, walltime=wall)
            wall0 = reader.info.created if first_wall is None else first_wall
            writer.add_text("config", _config_text(reader), global_step=0, walltime=wall0)
            writer.add_text("run", _meta_text(reader), global_step=0, walltime=wall0)
            for step, wall, name, relative in reader.sql("SELECT step, wall, name, path FROM samples ORDER BY id"):
                path = reader.path / relative
                if path.suffix != ".png" or not path.is_file():
                    continue  # point sets (.npz) have no TensorBoard image; a missing file is skipped
                writer.add_image(name, read_rgb(path), global_step=int(step), walltime=float(wall), dataformats="HWC")
            for step, wall, kind, message in reader.sql(
                    "SELECT step, wall, kind, message FROM events WHERE kind LIKE 'alert:%' ORDER BY id"):
                writer.add_text("alerts", f"{kind.partition(':')[2]}: {message}", global_step=int(step),
                                walltime=float(wall))
        finally:
            writer.close()
        os.chmod(tmp, 0o755)  # an export is meant to be shared; mkdtemp's folder is private
        _replace_folder(tmp, target)
    except OSError as err:
        raise ExportError(f"cannot write to {root}: {err.strerror or err}") from None
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    return target


def _replace_folder(new: Path, target: Path) -> None:
    """Put `new` where `target` is: an earlier export is moved aside first and removed once the new one is in
    place (it holds only event files: checked before)."""
    old = None
    if target.exists():
        old = target.with_name(f"{TEMP_PREFIX}{target.name}.old")
        if old.exists():
            shutil.rmtree(old)
        os.rename(target, old)
    os.rename(new, target)
    fsync_directory(target.parent)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
