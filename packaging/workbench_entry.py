"""Entry point of the PyInstaller bundle: the `workbench` command, plus `workbench -m MODULE ARGS…`.

Helper processes are started as `sys.executable -m module args` (workbench/child_process.py). In the bundle
`sys.executable` is this program, so `-m` runs the named module from the bundle as `python -m` would.
"""

import multiprocessing
import runpy
import sys

if __name__ == "__main__":
    multiprocessing.freeze_support()
    if len(sys.argv) >= 3 and sys.argv[1] == "-m":
        module = sys.argv[2]
        sys.argv = [sys.argv[0], *sys.argv[3:]]
        runpy.run_module(module, run_name="__main__", alter_sys=True)
        sys.exit(0)
    from workbench.cli import main

    sys.exit(main())
