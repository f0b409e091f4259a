"""Keep the memory a CPU training step frees for the next step (glibc's malloc, Linux).

A training step allocates and frees the same few hundred MiB every iteration (activations, gradients). glibc gives
freed memory at the top of its heap back to the system once more than its trim threshold is free there, and
serves blocks above its mmap threshold with fresh mappings; both thresholds adapt, so whether a step's memory is
handed back depends on the order of its allocations. When it is, the next step faults every page in again: a DCGAN
at 64×64, batch 64, took ~45,000 page faults (~180 MiB) a step, 5–7% of its time on two cores. With fixed,
generous thresholds the process keeps its peak (what the next step needs anyway) and steps fault nothing.
"""

from __future__ import annotations

import ctypes
import os
import sys

M_TRIM_THRESHOLD = -1  # mallopt parameters, from glibc's <malloc.h>
M_MMAP_THRESHOLD = -3
TRIM_THRESHOLD_BYTES = 1 << 30  # free memory at the heap's top kept rather than returned to the system
MMAP_THRESHOLD_BYTES = 256 << 20  # blocks below this come from the heap (reused), above it from their own mapping

_applied = False


def keep_freed_memory() -> bool:
    """Set glibc's trim and mmap thresholds for training, once per process; whether they are set (False elsewhere
    than Linux with glibc, where the allocator behaves otherwise)."""
    global _applied
    if _applied:
        return True
    if not sys.platform.startswith("linux") or not _glibc():
        return False
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes, mallopt.restype = (ctypes.c_int, ctypes.c_int), ctypes.c_int
    mmap_set = mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD_BYTES)
    trim_set = mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD_BYTES)
    _applied = bool(mmap_set and trim_set)
    return _applied


def _glibc() -> bool:
    try:
        return os.confstr("CS_GNU_LIBC_VERSION") is not None
    except (ValueError, OSError, AttributeError):  # not a glibc system
        return False
