"""Import guards and version facts that differ between machines.

torchvision wheels are built against one torch build. When the compiled extension cannot load next to the
installed torch (a CUDA torchvision beside a CPU torch), `import torchvision` fails inside
`_meta_registrations.py` with "operator torchvision::nms does not exist", although everything pure-Python in
torchvision (make_grid, transforms, datasets from local roots, model architectures) would work. We define the
two operator schemas it registers fake kernels for, and only when the extension really failed to load, so a
matching torch/torchvision pair is left untouched.
"""

from __future__ import annotations

import contextlib
import importlib
import importlib.util
import sys
import threading
from collections.abc import Iterator
from types import ModuleType

_SCHEMAS = {
    "nms": "nms(Tensor dets, Tensor scores, float iou_threshold) -> Tensor",
    "qnms": "qnms(Tensor dets, Tensor scores, float iou_threshold) -> Tensor",
}
_library_handle = None  # keeps the torch.library.Library alive for the whole process
_torchvision: ModuleType | None = None  # set once torchvision is fully imported
_torchvision_lock = threading.Lock()


def _extension_loads() -> bool:
    """True when torchvision's compiled `_C` extension loads against the installed torch."""
    spec = importlib.util.find_spec("torchvision")
    if spec is None or not spec.submodule_search_locations:
        return False
    import glob
    import os

    import torch

    for location in spec.submodule_search_locations:
        for path in glob.glob(os.path.join(location, "_C*.so")) + glob.glob(os.path.join(location, "_C*.pyd")):
            try:
                torch.ops.load_library(path)
                return True
            except (OSError, RuntimeError):
                return False
    return False


def _define_missing_operator_schemas() -> None:
    global _library_handle
    import torch

    if _library_handle is None:
        _library_handle = torch.library.Library("torchvision", "DEF")  # noqa: TOR901 - schema only
    for name, schema in _SCHEMAS.items():
        try:
            getattr(torch.ops.torchvision, name)
        except (AttributeError, RuntimeError):
            _library_handle.define(schema)


def import_torchvision() -> ModuleType:
    """Import torchvision, working around a compiled extension built for another torch.

    Thread-safe: the window's warm-up thread and a training thread may ask at the same moment, and a module
    found in sys.modules may still be half-initialised by the other thread (its `utils` missing), so callers
    wait here until the import has finished.
    """
    global _torchvision
    if _torchvision is not None:
        return _torchvision
    with _torchvision_lock:
        if _torchvision is None:
            if "torchvision" not in sys.modules and not _extension_loads():
                _define_missing_operator_schemas()
            module = importlib.import_module("torchvision")  # waits for an import under way in another thread
            importlib.import_module("torchvision.utils")
            _torchvision = module
    return _torchvision


def torchvision_extension_available() -> bool:
    """Whether torchvision's compiled operators (nms, roi_align...) are usable here."""
    return _extension_loads()


_threads_lock = threading.Lock()
_threads_depth = 0
_threads_previous: int | None = None


@contextlib.contextmanager
def one_torch_thread() -> Iterator[None]:
    """Run the enclosed torch work on one intra-op thread; safe when threads overlap and when nested.

    Measured: while another process trains on both cores, a 64×64 generator's forward took 86–116 ms with
    torch's default threads and 5–15 ms with one, so interactive decoding, evaluation and previews use one.
    torch's thread count is process-wide: two overlapping save-and-restore blocks in different threads could
    leave it at 1 for good, so the count is set on the first entry and restored on the last exit.
    """
    global _threads_depth, _threads_previous
    import torch

    with _threads_lock:
        if _threads_depth == 0:
            _threads_previous = torch.get_num_threads()
            if _threads_previous != 1:
                torch.set_num_threads(1)
        _threads_depth += 1
    try:
        yield
    finally:
        with _threads_lock:
            _threads_depth -= 1
            if _threads_depth == 0 and _threads_previous not in (None, 1):
                torch.set_num_threads(_threads_previous)


@contextlib.contextmanager
def one_blas_thread() -> Iterator[None]:
    """Run numpy/scipy linear algebra on one BLAS thread.

    The metric maths (eigen-decompositions, kernel matrices, pairwise distances) usually runs while a training
    run keeps both cores busy. OpenBLAS's worker threads then spin against the trainer: an eigen-decomposition of a
    128×128 covariance took 0.36 s with 2 BLAS threads on a loaded 2-core machine and 8 ms with one. On an idle
    machine one thread costs little at these sizes, so evaluation always uses one.
    """
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # threadpoolctl comes with scikit-learn; without it, leave the thread count alone
        yield
        return
    with threadpool_limits(limits=1, user_api="blas"):
        yield


def lower_thread_priority(increment: int) -> None:
    """Raise the calling thread's nice value by `increment` (at most 19), so that background work yields the CPU
    to the threads a user waits for. Linux only, where nice is per thread; elsewhere, or when not permitted,
    nothing changes."""
    import os
    import sys

    if increment <= 0 or not sys.platform.startswith("linux"):
        return
    try:
        tid = threading.get_native_id()
        os.setpriority(os.PRIO_PROCESS, tid, min(19, os.getpriority(os.PRIO_PROCESS, tid) + increment))
    except OSError:
        pass
