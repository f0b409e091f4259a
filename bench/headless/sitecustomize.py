"""Makes this interpreter behave as if Qt and the 3D view were not installed, as on a headless training machine.

Put this folder first on PYTHONPATH and Python imports this file at start-up (`sitecustomize`); every later
import of PySide6, shiboken6, pyqtgraph, superqt, pyvistaqt, pyvista or VTK then raises ImportError naming the
module, in this process and in every process it starts with the same environment (torchrun's workers too).
The headless core (everything under workbench/ except workbench/gui) must import and train like this:
tests/unit/test_headless_core.py and bench/gpu_check.sh run it so.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from importlib.machinery import ModuleSpec
from types import ModuleType

BLOCKED = frozenset({"PySide6", "shiboken6", "pyqtgraph", "superqt", "pyvistaqt", "pyvista", "vtk", "vtkmodules"})


class HeadlessBlocker:
    """A meta path finder consulted before all others: a blocked top-level name fails as a missing package
    would, so code that copes with an absent Qt copes here too, and code that needs it fails loudly."""

    def find_spec(self, name: str, path: Sequence[str] | None = None,
                  target: ModuleType | None = None) -> ModuleSpec | None:
        top = name.partition(".")[0]
        if top in BLOCKED:
            raise ModuleNotFoundError(f"{name} is blocked: the headless core must run without Qt and the 3D view",
                                      name=name)
        return None


if not any(isinstance(finder, HeadlessBlocker) for finder in sys.meta_path):
    sys.meta_path.insert(0, HeadlessBlocker())
