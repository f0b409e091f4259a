"""What several `workbench` commands share: the user-error type and how user errors are recognised, finding a run,
plain-text tables, `--set` overrides, and the refusal of image-to-image runs by the commands that sample.

Torch-free, like the package: it is imported while the parser is built, on the window's start-up path.
"""

from __future__ import annotations

import dataclasses
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from workbench.config import ConfigError, DataConfig, TrainConfig, field_types
from workbench.methods import method_settings_class, method_spec
from workbench.methods.capabilities import Translator
from workbench.runs import Run, Workspace


class CLIError(Exception):
    """A user error found by the CLI itself (unknown run, nothing to resume); printed without a traceback."""


# Besides CLIError, the errors that are the user's to fix (printed as one line `workbench: error: ...`, exit status
# 2), named by module so that none is imported to recognise it (the checkpoint errors' module loads torch): an error
# whose module was never imported cannot have been raised.
USER_ERRORS = (
    ("workbench.config", "ConfigError"),
    ("workbench.runs.run", "RunLockedError"),
    ("workbench.runs.meta", "RunError"),  # meta.json, the trash, control requests, exports
    ("workbench.training.checkpoints", "CheckpointError"),
)

_TRUE = ("true", "yes", "on", "1")
_FALSE = ("false", "no", "off", "0")


def is_user_error(err: BaseException) -> bool:
    return isinstance(err, CLIError) or any(isinstance(err, getattr(sys.modules.get(module), name, ()))
                                            for module, name in USER_ERRORS)


@contextmanager
def reported(*errors: type[Exception]) -> Iterator[None]:
    """A feature's own user errors (LatentError, TranslationError...) raised as CLIError, reported like the rest."""
    try:
        yield
    except errors as err:
        raise CLIError(str(err)) from None


def find_run(workspace: Workspace, ref: str, write: bool = False, steps: int | None = None) -> Run:
    """The run `ref` names: an id, a unique id prefix or a folder of the workspace, else a shipped example's name
    (`workbench examples`). An example is read in place; with `write` (the command changes the run) it is first
    copied into the workspace as a new run named after it (said on stderr), `steps` its new length."""
    from workbench.runs.examples import copy_example, example_of, find_example, is_example

    try:
        run = workspace.run(ref)
    except KeyError as err:
        example = find_example(ref)
        if example is None:
            raise CLIError(err.args[0] + " (nor a shipped example: see `workbench examples`)") from None
        run = example.run
    if write and is_example(run):
        example = example_of(run)
        if example is None:
            raise CLIError(f"{run.path / 'card.toml'}: this example's card cannot be read; nothing was copied")
        run = copy_example(example, workspace, steps=steps)
        print(f"example {example.name} is read-only: copied into the workspace as run {run.id} "
              f"({run.path})", file=sys.stderr)
    return run


def format_table(headers: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(str(c)) for c in column) for column in zip(headers, *rows, strict=True)]
    lines = ["  ".join(str(c).ljust(w) for c, w in zip(line, widths, strict=True)).rstrip()
             for line in (headers, *rows)]
    return "\n".join(lines)


def check_seed(seed: int) -> None:
    if seed < 0:
        raise CLIError(f"--seed {seed}: must be ≥ 0")


def require_generator(run: Run, command: str) -> None:
    """Image-to-image runs draw nothing from noise: point to the commands that use them instead."""
    spec = method_spec(run.config.method_name)
    if spec.generates:
        return
    instead = "workbench translate" if spec.offers(Translator) else "workbench upscale"
    raise CLIError(f"run {run.id} trains {spec.name!r}, which maps input images to output images and samples "
                   f"nothing from noise: `workbench {command}` does not apply; use `{instead} {run.id} ...`")


# ---- --set section.field=value ----------------------------------------------------------------------------------
def parse_value(raw: str, typ: type) -> Any:
    """A command-line string as a value of the field's type; left as text when it does not parse, so that
    the config's own validation reports it with the field's name and allowed range."""
    if typ is bool:
        low = raw.lower()
        return True if low in _TRUE else False if low in _FALSE else raw
    for number in (int, float):
        if typ is number:
            try:
                return number(raw)
            except ValueError:
                return raw
    return raw


def apply_override(doc: dict[str, dict[str, Any]], text: str) -> None:
    """Apply one `--set section.field=value` to a config mapping (validated later, by RunConfig)."""
    key, sep, raw = text.partition("=")
    section, _, name = key.strip().partition(".")
    if not sep or not name:
        raise ConfigError(f"--set {text!r}: expected SECTION.FIELD=VALUE, e.g. --set method.beta=4")
    method_name = doc.get("method", {}).get("name")
    if section == "method" and not method_name:
        raise ConfigError("[method] needs a name: choose one with --method")
    classes = {"method": method_settings_class(method_name) if method_name else None,
               "data": DataConfig, "train": TrainConfig}
    if section not in classes:
        raise ConfigError(f"--set {key.strip()}: unknown section {section!r}; valid: method, data, train")
    if section == "method" and name == "name":
        raise ConfigError("--set method.name: choose the method with --method")
    cls = classes[section]
    known = sorted(f.name for f in dataclasses.fields(cls))
    if name not in known:
        raise ConfigError(f"unknown setting {section}.{name}; valid: {', '.join(known)}")
    doc.setdefault(section, {})[name] = parse_value(raw.strip(), field_types(cls)[name])
