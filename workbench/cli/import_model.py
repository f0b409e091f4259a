"""`workbench import-model MODEL.toml [--name NAME]`: a generator trained elsewhere as a read-only run.

The TOML names the model file (a .py file defining an nn.Module, whose code runs; a TorchScript or torch.export
file), its weights (safetensors, or a .pt read with torch.load(weights_only=True): nothing in it runs) and the
facts the explorers need (latent size, prior, image size, channels, value range, classes, optional encoder); see
workbench/methods/imported/manifest.py. Errors are one line naming the file and key; nothing is written then.
"""

from __future__ import annotations

import argparse
from typing import Any

from workbench.runs import Workspace


def add_parser(sub: Any, common: argparse.ArgumentParser) -> argparse.ArgumentParser:
    cmd = sub.add_parser(
        "import-model", parents=[common], help="import a generator trained elsewhere as a read-only run",
        description="Copy a generator (a Python nn.Module file, TorchScript or torch.export .pt2, plus weights) "
                    "and the TOML declaring its latent size, prior, image size, channels and value range into a new "
                    "read-only run. The Python file's code runs; nothing from a weights file is ever run.")
    cmd.add_argument("toml", metavar="MODEL.toml", help="the TOML declaring the model (see the README)")
    cmd.add_argument("--name", metavar="NAME", help="the run's id (default <time>-imported-<class>-<hex>)")
    return cmd


def run(args: argparse.Namespace, workspace: str | None) -> int:
    from workbench.methods.imported.manifest import read_manifest
    from workbench.training.import_run import import_model

    imported = import_model(read_manifest(args.toml), Workspace(workspace), args.name)
    config = imported.config
    method, data = config.method, config.data
    print(f"run {imported.id}: imported {method.model_class or method.model_file} ({method.latent_dim}-d "
          f"{method.prior} prior → {data.channels}×{data.image_size}×{data.image_size}"
          f"{', encoder' if method.encoder_file else ''}{f', {method.classes} classes' if method.classes else ''}), "
          f"read-only; try `workbench sample {imported.id}` or the Latent tab")
    return 0
