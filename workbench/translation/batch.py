"""Translate a folder (or a list) of image files with a trained model, one file at a time.

`translate_folder` / `translate_files` check their arguments at once (TranslationError), then return a generator
that yields a `FileProgress` after every file: the CLI prints from it and the pane's progress bar follows it.
One unreadable file is reported and skipped, never the end of the batch. Closing the generator (a cancel) stops
after the file being written: PNGs are written to a temporary name and renamed, so none is left half-written.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, NamedTuple

from workbench.translation.errors import TranslationError
from workbench.translation.images import IMAGE_EXTENSIONS, save_png, to_uint8


class FileProgress(NamedTuple):
    """After each file: how many are done out of how many, the file, and why it was skipped (None: written)."""

    done: int
    total: int
    path: Path
    problem: str | None


def output_path(target_dir: Path, source: Path) -> Path:
    """Where the translation of `source` is written: the same stem, as PNG."""
    return Path(target_dir) / f"{Path(source).stem}.png"


def list_folder(source_dir: str | Path) -> list[Path]:
    """The files directly inside `source_dir` (hidden ones left out), sorted by name."""
    source = Path(source_dir).expanduser()
    if not str(source_dir).strip():
        raise TranslationError("no source folder given")
    if not source.exists():
        raise TranslationError(f"source folder {source} does not exist")
    if not source.is_dir():
        raise TranslationError(f"{source} is a file; give a folder of images as the source")
    return sorted(p for p in source.iterdir() if p.is_file() and not p.name.startswith("."))


def translate_folder(model: Any, source_dir: str | Path, target_dir: str | Path,
                     direction: str = "AtoB") -> Iterator[FileProgress]:
    """Translate every file in `source_dir` into `target_dir` (PNGs with the same stem); see `translate_files`.

    Refuses a target folder that is the source folder (the translations would mix with, or replace, the inputs).
    """
    source = Path(source_dir).expanduser()
    files = list_folder(source)
    target = _target(target_dir)
    if target.exists() and target.resolve() == source.resolve():
        raise TranslationError(f"the output folder is the source folder ({source}); choose another folder so the "
                               f"translations do not mix with or replace the inputs")
    if not files:
        raise TranslationError(f"source folder {source} has no files to translate")
    return translate_files(model, files, target, direction)


def translate_files(model: Any, files: Sequence[str | Path], target_dir: str | Path,
                    direction: str = "AtoB") -> Iterator[FileProgress]:
    """Translate `files` into `target_dir` (created if needed); a generator of `FileProgress`, one per file.

    Files that are not images or do not decode are skipped with their reason; two inputs with the same stem
    would write the same PNG, so the second is skipped too. An output that would replace one of the inputs is
    refused up front.
    """
    paths = [Path(f).expanduser() for f in files]
    if not paths:
        raise TranslationError("no input files given")
    model.check_direction(direction)
    target = _target(target_dir)
    inputs = {p.resolve() for p in paths if p.exists()}
    clash = next((p for p in paths if output_path(target, p).resolve() in inputs), None) if target.exists() else None
    if clash is not None:
        raise TranslationError(f"writing {output_path(target, clash)} would replace an input file; choose another "
                               f"output folder")
    if target.exists() and not target.is_dir():
        raise TranslationError(f"output {target} is a file; give a folder")
    try:
        target.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise TranslationError(f"cannot create the output folder {target}: {err}") from err
    return _translate(model, paths, target, direction)


def _target(target_dir: str | Path) -> Path:
    if not str(target_dir).strip():
        raise TranslationError("no output folder given")
    return Path(target_dir).expanduser()


def _translate(model: Any, paths: list[Path], target: Path, direction: str) -> Iterator[FileProgress]:
    total = len(paths)
    stems: dict[str, Path] = {}
    for done, path in enumerate(paths, start=1):
        problem = _translate_one(model, path, target, direction, stems)
        yield FileProgress(done, total, path, problem)


def _translate_one(model: Any, path: Path, target: Path, direction: str, stems: dict[str, Path]) -> str | None:
    """Translate and write one file; the reason it was skipped, or None when written."""
    if path.suffix.lower() not in IMAGE_EXTENSIONS:
        return f"extension {path.suffix or '(none)'} is not an image type ({', '.join(IMAGE_EXTENSIONS)})"
    key = path.stem
    if key in stems:
        return f"same name as {stems[key].name}: both would be written to {output_path(target, path).name}"
    try:
        image = model.load_image(path)
        output = model.translate(image, direction)
    except TranslationError as err:
        return str(err).removeprefix(f"{path.name}: ")
    try:
        save_png(to_uint8(output)[0], output_path(target, path))
    except OSError as err:
        return f"cannot write {output_path(target, path)}: {err}"
    stems[key] = path
    return None


def summarize(progress: Sequence[FileProgress], limit: int = 20) -> str:
    """'Wrote 9 of 10 files; skipped 1:' and one line per skipped file (at most `limit`)."""
    skipped = [p for p in progress if p.problem]
    written = len(progress) - len(skipped)
    total = progress[-1].total if progress else 0
    head = f"Wrote {written} of {total} file{'s' if total != 1 else ''}"
    if len(progress) < total:
        head += f" (stopped after {len(progress)})"
    if not skipped:
        return head + "."
    lines = [f"{head}; skipped {len(skipped)}:"]
    lines += [f"  {p.path.name}: {p.problem}" for p in skipped[:limit]]
    if len(skipped) > limit:
        lines.append(f"  … and {len(skipped) - limit} more")
    return "\n".join(lines)
