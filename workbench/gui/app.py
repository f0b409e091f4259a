"""Start the application fast: the window is shown before torch is imported.

Torch (~3 s cold here) is imported in a background thread right after the window appears, so pressing Start
a few seconds later does not wait for it.
"""

from __future__ import annotations

import os
import sys
import threading
import time

STARTUP_REPORT_ENV = "WORKBENCH_REPORT_STARTUP"  # print when the window is shown (used by bench/startup.py)
QUIT_AFTER_ENV = "WORKBENCH_QUIT_AFTER_SHOWN"  # quit right after showing (used by bench/startup.py)


def _warm_up_torch(threads: int = 0) -> None:
    """Import the training stack in the background so the first Start is quick, and give torch the threads the
    Preferences ask for (0: torch's own count).

    A broken install raises here: `threading.excepthook`, which the window owns, shows it in the window.
    """
    import workbench.training.runner  # noqa: F401
    from workbench.compat import import_torchvision
    from workbench.gui.settings import apply_torch_threads

    import_torchvision()
    apply_torch_threads(threads)


def _start_workspace(workspace: str | None) -> str | None:
    """`workspace` when named (--workspace, else $WORKBENCH_WORKSPACE); else the one used last, when the
    Preferences say so and its folder still exists; else None (the per-user default)."""
    if workspace or os.environ.get("WORKBENCH_WORKSPACE"):
        return workspace
    from workbench.gui.settings import Settings

    settings = Settings()
    last = settings.last_workspace()
    if settings.preferences().reopen_last_workspace and last and os.path.isdir(last):
        return last
    return workspace


def _run_script(path: str, window, app) -> None:  # noqa: ANN001 - MainWindow, QApplication
    """Execute a user's automation script with `window` and `app` in scope (like Blender's --python).

    A failing script prints its traceback and makes the application exit with status 1.
    """
    import traceback

    namespace = {"window": window, "app": app, "__file__": path, "__name__": "__workbench_script__"}
    try:
        with open(path, encoding="utf-8") as f:
            code = compile(f.read(), path, "exec")
        exec(code, namespace)  # noqa: S102 - the user's own script, run on request
    except Exception:
        traceback.print_exc()
        app.exit(1)


def run_app(workspace: str | None = None, argv: list[str] | None = None, script: str | None = None) -> int:
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from workbench.runs import Workspace

    app = QApplication.instance() or QApplication(argv if argv is not None else sys.argv[:1])
    app.setApplicationName("Generative Workbench")
    app.setOrganizationName("generative-workbench")
    app.setDesktopFileName("io.github.generative_workbench.Workbench")  # Wayland: icon and name from the .desktop entry
    from workbench.gui.main_thread_gc import collect_garbage_in_main_thread

    collect_garbage_in_main_thread(app)

    from workbench.gui.ctrl_c import INTERRUPTED_STATUS, CtrlCCloses
    from workbench.gui.icon import app_icon
    from workbench.gui.main_window import MainWindow

    app.setWindowIcon(app_icon())
    window = MainWindow(Workspace(_start_workspace(workspace)))
    ctrl_c = CtrlCCloses(window)
    ctrl_c.install()
    window.show()
    if os.environ.get(STARTUP_REPORT_ENV):
        def report() -> None:
            print(f"window-shown {time.time():.6f}", flush=True)
            if os.environ.get(QUIT_AFTER_ENV):
                app.quit()

        QTimer.singleShot(0, report)
    if script:
        QTimer.singleShot(0, lambda: _run_script(script, window, app))
    if not os.environ.get(QUIT_AFTER_ENV):  # once the window has painted, load torch in the background
        threads = window.preferences.torch_threads
        QTimer.singleShot(300, lambda: threading.Thread(target=_warm_up_torch, args=(threads,), name="warm-up",
                                                        daemon=True).start())
    try:
        status = app.exec()
        window.shutdown()  # quitting without closing the window still stops training and every thread cleanly
    finally:
        ctrl_c.uninstall()
    return INTERRUPTED_STATUS if ctrl_c.interrupted else status
