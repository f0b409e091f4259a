"""GAN inversion with a live view: the target image, the best reconstruction so far, and the loss curve.

The optimisation (`workbench.latent.inversion.invert`, a generator) runs in a `GeneratorTask`; its progress
items are turned into plain numbers and uint8 images in the worker thread, so only CPU data reaches the GUI.
Stop ends it between two progress items and keeps the best code found so far; the result is pinned.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QDialog, QFormLayout, QGroupBox, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from workbench.gui.widgets.factory import ERROR_STYLE, button, checkbox, fill, row, seed_spin, spin
from workbench.gui.widgets.factory import label as text_label
from workbench.gui.widgets.pixmaps import pixmap_near

VIEW = 160  # px, the displayed size of the target and the reconstruction


class InversionDialog(QDialog):
    """Non-modal: the window stays usable while the optimisation runs. Emits `pinned(PinnedCode)`."""

    pinned = Signal(object)

    def __init__(self, session, target, name: str, detail: str = "", label: int | None = None,  # noqa: ANN001
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.target = target  # tensor 1×C×H×W in [-1, 1]
        self.name = name
        self.detail = detail
        self.label = label
        self.task = None
        self.losses: list[float] = []  # best loss at each progress item
        self.current_losses: list[float] = []  # the running restart's loss at each progress item
        self.steps: list[int] = []  # the global step of each item (restarts run one after another)
        self.result = None  # (z tensor (D,), best loss, restarts run)
        self.pinned_code = None
        self.setWindowTitle(f"Invert {name}")
        self.setObjectName("inversion-dialog")
        self.resize(820, 460)

        self.target_view = QLabel()
        self.target_view.setPixmap(pixmap_near(_as_uint8(target)[0], VIEW))
        self.target_view.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.reconstruction_view = QLabel("not started")
        self.reconstruction_view.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.reconstruction_view.setMinimumSize(VIEW, VIEW)
        self.plot = pg.PlotWidget()
        self.plot.setBackground("w")
        self.plot.setLabel("bottom", "step")
        self.plot.setLabel("left", "loss (MSE)")
        self.plot.setLogMode(y=True)
        self.plot.showGrid(x=True, y=True, alpha=0.3)
        self.plot.setMinimumWidth(300)
        self.plot.addLegend(offset=(-10, 10))
        self.current_curve = self.plot.plot(pen=pg.mkPen("#9e9e9e", width=1), name="current restart")
        self.curve = self.plot.plot(pen=pg.mkPen("#1565c0", width=2), name="best so far")
        self.progress_label = text_label("Set the options and press Start.", "inversion-progress", wrap=True)
        self.error_label = text_label("", style=ERROR_STYLE, wrap=True)
        self.error_label.hide()

        views = QHBoxLayout()
        for title, widget in (("Target", self.target_view), ("Best reconstruction", self.reconstruction_view),
                              ("Loss", self.plot)):
            box = QGroupBox(title)
            fill(QVBoxLayout(box), widget)
            views.addWidget(box, 1 if widget is self.plot else 0)

        self.steps_spin = spin(1, 100_000, 300, tip="Optimisation steps per restart")
        self.lr_spin = spin(0.0001, 10.0, 0.05, tip="Adam learning rate on z", step=0.01)
        self.lr_spin.setDecimals(4)
        self.lr_spin.setValue(0.05)
        self.restarts_spin = spin(1, 100, 3, tip="Independent starts from different prior samples; the best one is "
                                  "kept")
        self.seed_spin = seed_spin(tip="Seed of the starting codes")
        self.perceptual_box = checkbox("perceptual term", tip="Add a feature-space distance to the pixel MSE (slower)")
        settings = QGroupBox("Settings")
        form = QFormLayout(settings)
        for text, widget in (("Steps", self.steps_spin), ("Learning rate", self.lr_spin),
                             ("Restarts", self.restarts_spin), ("Seed", self.seed_spin), ("", self.perceptual_box)):
            form.addRow(text, widget)
        if label is not None:
            form.addRow("Class", QLabel(session.class_name(label)))

        self.start_button = button("Start", on_click=self.start)
        self.start_button.setDefault(True)
        self.stop_button = button("Stop", tip="Stop now and pin the best code found so far", on_click=self.stop)
        self.stop_button.setEnabled(False)
        self.close_button = button("Close", on_click=self.close)
        fill(QVBoxLayout(self), QLabel(f"Optimise a latent code so that the decoded image reproduces <b>{name}</b>."),
             (row(settings, (views, 1)), 1), self.error_label,
             row((self.progress_label, 1), self.start_button, self.stop_button, self.close_button))

    @property
    def running(self) -> bool:
        return self.task is not None

    def start(self) -> None:
        """Start (or restart) the optimisation with the settings shown."""
        from workbench.compat import one_torch_thread
        from workbench.gui.panels.latent.session import to_uint8
        from workbench.gui.workers import GeneratorTask
        from workbench.latent.inversion import InversionSettings, invert

        if self.running or self.session.space is None:
            return
        try:
            settings = InversionSettings(steps=self.steps_spin.value(), lr=self.lr_spin.value(),
                                         restarts=self.restarts_spin.value(), seed=self.seed_spin.value(),
                                         perceptual=self.perceptual_box.isChecked())
        except ValueError as err:
            self._show_error(str(err))
            return
        space, target, label = self.session.space, self.target, self.label
        labels = self.session.labels_tensor([label]) if space.classes else None
        steps = settings.steps

        def work():  # noqa: ANN202 - a generator in the worker thread: only CPU data leaves it
            with one_torch_thread():
                for item in invert(space, target, settings, labels):
                    yield (item.restart * steps + item.step, item.restart, item.step, float(item.loss),
                           float(item.best_loss), to_uint8(item.reconstruction)[0], item.z.detach().clone())

        self.losses.clear()
        self.current_losses.clear()
        self.steps.clear()
        self.result = None
        self.pinned_code = None
        self.error_label.hide()
        self.settings = settings
        self.task = GeneratorTask(work, self)
        self.task.items.connect(self._progress)
        self.task.finished.connect(self._finished)
        self.task.failed.connect(self._failed)
        self.start_button.setEnabled(False)
        self.stop_button.setEnabled(True)
        self.progress_label.setText("Starting…")
        self.task.start()

    def stop(self) -> None:
        if self.task is not None:
            self.task.stop()
            self.stop_button.setEnabled(False)
            self.progress_label.setText(self.progress_label.text() + " · stopping…")

    def _progress(self, items: list) -> None:
        for total_step, _restart, _step, current, best, _image, _z in items:
            self.steps.append(total_step)
            self.losses.append(max(best, 1e-12))
            self.current_losses.append(max(current, 1e-12))
        total_step, restart, step, loss, best, image, z = items[-1]
        self.result = (z, best, restart + 1)
        self.reconstruction_view.setPixmap(pixmap_near(image, VIEW))
        x = np.asarray(self.steps, dtype=float)
        self.curve.setData(x, np.asarray(self.losses))
        self.current_curve.setData(x, np.asarray(self.current_losses))
        self.progress_label.setText(f"restart {restart + 1} of {self.settings.restarts} · step {step} of "
                                    f"{self.settings.steps} · loss {loss:.4g} · best {best:.4g}")

    def _finished(self, status: str) -> None:
        self.task = None
        self.start_button.setEnabled(True)
        self.start_button.setText("Run again")
        self.stop_button.setEnabled(False)
        if self.result is None:
            self.progress_label.setText("Stopped before the first result.")
            return
        z, best, restarts = self.result
        how = "stopped early" if status == "stopped" else "finished"
        self.pin_result(z, best, restarts, how)
        self.progress_label.setText(f"{how.capitalize()}: best loss {best:.4g} · pinned as “{self.pinned_code.name}”.")

    def pin_result(self, z, best: float, restarts: int, how: str) -> None:  # noqa: ANN001
        from workbench.latent.codes import PinnedCode

        detail = (f"{self.detail or self.name}, loss {best:.4g}, {restarts} restart{'s' if restarts != 1 else ''}"
                  f", {self.settings.steps} steps, lr {self.settings.lr:g}, seed {self.settings.seed}, {how}")
        code = PinnedCode(name=f"inverted {self.name}", z=z.reshape(-1).float(), label=self.label,
                          source="inverted", detail=detail)
        added = self.session.add_pins([code])
        self.pinned_code = added[0] if added else code
        self.pinned.emit(self.pinned_code)

    def _failed(self, message: str, details: str) -> None:
        self.task = None
        self.start_button.setEnabled(True)
        self.stop_button.setEnabled(False)
        self._show_error(message, details)

    def _show_error(self, message: str, details: str = "") -> None:
        for prefix in ("LatentError: ", "ConfigError: "):
            message = message.removeprefix(prefix)
        self.error_label.setText(message)
        self.error_label.setToolTip(details)
        self.error_label.show()
        self.progress_label.setText("Failed.")

    def closeEvent(self, event) -> None:  # noqa: ANN001, N802 - Qt override
        if self.task is not None:
            self.task.stop()  # the worker ends at its next item; its result is still pinned
        super().closeEvent(event)


def _as_uint8(images) -> np.ndarray:  # noqa: ANN001
    from workbench.gui.panels.latent.session import to_uint8

    return to_uint8(images)
