"""torchvision imported from two threads at once (the window's warm-up and a training thread) must give both a
fully initialised module, never a half-imported one without `utils`."""

from __future__ import annotations

import subprocess
import sys

SCRIPT = """
import sys
import threading
import time

from workbench.compat import import_torchvision

results = []

def first():
    results.append(callable(import_torchvision().utils.make_grid))

def second():  # asks while the first import is under way: torchvision is in sys.modules, half initialised
    deadline = time.monotonic() + 60
    while "torchvision" not in sys.modules and time.monotonic() < deadline:
        time.sleep(0.0005)
    try:
        results.append(callable(import_torchvision().utils.make_grid))
    except Exception as err:
        results.append(repr(err))

threads = [threading.Thread(target=first), threading.Thread(target=second)]
for t in threads:
    t.start()
for t in threads:
    t.join()
print(results)
assert results == [True, True], results
"""


def test_concurrent_first_imports_all_see_a_complete_module():
    done = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=240)
    assert done.returncode == 0, done.stdout + done.stderr[-2000:]
