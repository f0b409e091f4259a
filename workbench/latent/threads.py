"""Interactive inference runs on one torch intra-op thread.

Measured: while another process trains on both cores, a 64×64 generator's forward took 86–116 ms with
torch's default threads and 5–15 ms with one. Sliders and previews therefore decode single-threaded.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import torch


@contextlib.contextmanager
def single_thread() -> Iterator[None]:
    """Run the enclosed torch work on one intra-op thread, restoring the previous count afterwards."""
    previous = torch.get_num_threads()
    if previous != 1:
        torch.set_num_threads(1)
    try:
        yield
    finally:
        if torch.get_num_threads() != previous:
            torch.set_num_threads(previous)
