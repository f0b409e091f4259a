"""Live sliders: one per latent dimension and one per saved direction; the decoded image follows the slider.

Decoding one image of a built-in generator takes a few milliseconds on one torch thread (with two threads on
two busy cores it took 86–116 ms, see ENVIRONMENT.md), so it runs right on the GUI thread, on one torch
thread, while it stays fast. When it is slow (a big model, a loaded machine), decoding moves to a
`LatestRequestWorker` where the latest slider value wins: intermediate values are skipped rather than queued,
so the image never lags behind the hand.
"""

from __future__ import annotations

import statistics
import time
from collections import deque

import numpy as np
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QGridLayout, QGroupBox, QLabel, QVBoxLayout, QWidget
from superqt import QLabeledDoubleSlider

from workbench.gui.latest_request import LatestRequestWorker
from workbench.gui.panels.latent.image_grid import PixmapView
from workbench.gui.panels.latent.pinned_strip import PinCombo
from workbench.gui.panels.latent.traversal_tool import load_saved_directions
from workbench.gui.widgets.factory import button, choice, clear_layout, fill, hint, label, row, scroll_area
from workbench.gui.widgets.pixmaps import pixmap_near

VIEW = 256  # px, the decoded image
FAST_MS = 20.0  # median GUI-thread decode time above which decoding moves to the worker
DIM_RANGE = 4.0  # dimension sliders span at least ±4 (prior units)
DIRECTION_RANGE = 5.0  # direction sliders: ±5 along the unit vector
CAPTION_MS = 150  # the edit and timing captions refresh at most this often while a slider moves


class SlidersTool(QWidget):
    def __init__(self, session, parent: QWidget | None = None) -> None:  # noqa: ANN001 - a LatentSession
        super().__init__(parent)
        self.session = session
        self.base = None  # tensor (D,): the code the dimension sliders were set from
        self.directions: list = []
        self.dim_sliders: list[QLabeledDoubleSlider] = []
        self.direction_sliders: list[QLabeledDoubleSlider] = []
        self.image: np.ndarray | None = None  # the decoded image on screen (uint8 H×W×C)
        self.worker_mode = False  # decode in the worker thread instead of the GUI thread
        self.times_ms: deque[float] = deque(maxlen=5)
        self.decoder: LatestRequestWorker | None = None  # made when decoding first turns out slow
        self._seq = 0
        self._shown_seq = 0
        self._building = False

        self.start_pin = PinCombo(session)
        self.start_pin.setToolTip("The pinned code the sliders start from")
        self.start_pin.currentIndexChanged.connect(lambda _i: self.reset())
        self.class_combo = choice(tip="The class a conditional model decodes the code as",
                                  on_change=lambda _i: self.schedule_decode())
        self.class_label = QLabel("Class")
        self.reset_button = button("Reset to pin", on_click=self.reset)
        self.zero_dirs_button = button("Directions to 0", on_click=self.zero_directions)
        self.pin_button = button("Pin edited code", "pin-edited", on_click=self.pin_edited)

        self.image_view = PixmapView("Pin a code to start from.", minimum=VIEW)
        self.timing_label = hint("", "slider-timing")
        self.edit_label = label("", wrap=True)

        self.dims_box = QGroupBox("Latent dimensions")
        self.dims_grid = QGridLayout(self.dims_box)
        self.dims_grid.setVerticalSpacing(2)
        self.directions_box = QGroupBox("Saved directions (added on top)")
        self.directions_grid = QGridLayout(self.directions_box)
        self.directions_grid.setVerticalSpacing(2)
        host = QWidget()
        fill(QVBoxLayout(host), self.directions_box, self.dims_box, None)
        scroll = scroll_area(host)
        scroll.setMinimumWidth(380)
        image_box = QGroupBox("Decoded image")
        fill(QVBoxLayout(image_box), (self.image_view, 1), self.edit_label, self.timing_label)
        fill(QVBoxLayout(self),
             row(QLabel("Start from"), self.start_pin, self.class_label, self.class_combo, self.reset_button,
                 self.zero_dirs_button, None, self.pin_button),
             (row((scroll, 3), (image_box, 2)), 1))

        self._captions: dict[QLabel, str] = {}
        self._caption_timer = QTimer(self)
        self._caption_timer.setSingleShot(True)
        self._caption_timer.setInterval(CAPTION_MS)
        self._caption_timer.timeout.connect(self._flush_captions)
        session.space_changed.connect(self._space_changed)
        session.closing.connect(self.shutdown)
        session.directions_changed.connect(self.reload_directions)
        self._space_changed()

    # ---- building ----------------------------------------------------------------------------------------
    def _space_changed(self) -> None:
        self._close_decoder()
        self.worker_mode = False
        self.times_ms.clear()
        space = self.session.space
        classes = tuple(space.classes) if space is not None else ()
        self.class_combo.blockSignals(True)
        self.class_combo.clear()
        self.class_combo.addItems(list(classes))
        self.class_combo.blockSignals(False)
        self.class_combo.setVisible(bool(classes))
        self.class_label.setVisible(bool(classes))
        self._build_dim_sliders(space.latent_dim if space is not None else 0)
        self.reload_directions()
        self.reset()

    def _build_dim_sliders(self, n: int) -> None:
        clear_layout(self.dims_grid)
        self.dim_sliders = []
        for i in range(n):
            slider = self._slider(DIM_RANGE)
            slider.setToolTip(f"z{i}: the code's value in latent dimension {i}")
            slider.valueChanged.connect(self._slider_moved)
            self.dims_grid.addWidget(QLabel(f"z{i}"), i, 0)
            self.dims_grid.addWidget(slider, i, 1)
            self.dim_sliders.append(slider)
        self.dims_box.setTitle(f"Latent dimensions ({n})" if n else "Latent dimensions")

    def reload_directions(self) -> None:
        self.directions = load_saved_directions(self.session)
        clear_layout(self.directions_grid)
        self.direction_sliders = []
        for j, direction in enumerate(self.directions):
            slider = self._slider(DIRECTION_RANGE)
            slider.setValue(0.0)
            slider.valueChanged.connect(self._slider_moved)
            name = QLabel(f"<b>{direction.name}</b>")
            tip = f"{direction.method}: {direction.provenance}"
            name.setToolTip(tip)
            slider.setToolTip(tip)
            self.directions_grid.addWidget(name, j, 0)
            self.directions_grid.addWidget(slider, j, 1)
            self.direction_sliders.append(slider)
        if not self.directions:
            hint = QLabel("None saved in this run yet: compute some in the Directions tab.")
            hint.setStyleSheet("color: palette(mid);")
            self.directions_grid.addWidget(hint, 0, 0, 1, 2)
        self.directions_box.setTitle(f"Saved directions ({len(self.directions)}), added on top of the dimensions"
                                     if self.directions else "Saved directions")
        self.schedule_decode()

    def _slider(self, extent: float) -> QLabeledDoubleSlider:
        slider = QLabeledDoubleSlider(Qt.Orientation.Horizontal)
        slider.setRange(-extent, extent)
        slider.setDecimals(2)
        slider.setSingleStep(0.01)
        slider.setMinimumWidth(200)
        return slider

    # ---- the edited code ---------------------------------------------------------------------------------
    def reset(self) -> None:
        """Set the dimension sliders to the chosen pin's code and the direction sliders to 0."""
        pin = self.start_pin.current_pin()
        space = self.session.space
        if space is None or pin is None:
            self.base = None
            self.image = None
            self.image_view.set_text("Load a run first." if space is None else
                                    "Pin a code (seed, dataset or file) to start from.")
            self._update_buttons()
            return
        self.base = pin.z.detach().clone().float()
        if pin.label is not None and pin.label < self.class_combo.count():
            self.class_combo.blockSignals(True)
            self.class_combo.setCurrentIndex(pin.label)
            self.class_combo.blockSignals(False)
        self._building = True
        for i, slider in enumerate(self.dim_sliders):
            value = float(self.base[i])
            extent = max(DIM_RANGE, float(np.ceil(abs(value))))
            if slider.maximum() < extent:
                slider.setRange(-extent, extent)
            slider.setValue(value)
        for slider in self.direction_sliders:
            slider.setValue(0.0)
        self._building = False
        self._update_buttons()
        self.schedule_decode()

    def zero_directions(self) -> None:
        self._building = True
        for slider in self.direction_sliders:
            slider.setValue(0.0)
        self._building = False
        self.schedule_decode()

    def edited_code(self):  # noqa: ANN201 - tensor (D,), or None
        """The dimension sliders' values plus each direction times its slider's amount."""
        if self.base is None:
            return None
        import torch

        z = torch.tensor([s.value() for s in self.dim_sliders], dtype=torch.float32)
        for slider, direction in zip(self.direction_sliders, self.directions, strict=False):
            amount = slider.value()
            if amount:
                z = z + amount * direction.vector.float()
        return z

    def current_label(self) -> int | None:
        space = self.session.space
        return self.class_combo.currentIndex() if space is not None and space.classes else None

    def _slider_moved(self, _value: float) -> None:
        if not self._building:
            self.schedule_decode()

    # ---- decoding ----------------------------------------------------------------------------------------
    def schedule_decode(self) -> None:
        """Decode the edited code now (fast models) or hand it to the latest-value-wins worker."""
        z = self.edited_code()
        if z is None or self.session.space is None:
            return
        self._seq += 1
        labels = [self.current_label()]
        self._describe_edit(z)
        if self.worker_mode:
            if self.decoder is None:
                self.decoder = LatestRequestWorker(self._decode_timed, "slider-decoder", self)
                self.decoder.ready.connect(self._decoded)
                self.decoder.failed.connect(
                    lambda _id, message, details: self.session.error.emit(f"Decoding failed: {message}", details))
            self.decoder.submit((self._seq, z.reshape(1, -1), labels))
            return
        started = time.perf_counter()
        try:
            image = self.session.decode(z.reshape(1, -1), labels)[0]
        except Exception as err:  # noqa: BLE001 - shown, the slider keeps working
            self.session.error.emit(f"Decoding failed: {err}", "")
            return
        ms = (time.perf_counter() - started) * 1000
        self._show(self._seq, image, ms)
        self.times_ms.append(ms)
        if len(self.times_ms) >= 3 and statistics.median(self.times_ms) > FAST_MS:
            self.worker_mode = True  # too slow for the GUI thread: keep the window responsive

    def _decode_timed(self, request: tuple) -> tuple:
        """The worker's computation (worker thread): (sequence number, uint8 H×W×C image, milliseconds)."""
        seq, z, labels = request
        started = time.perf_counter()
        image = self.session.decode(z, labels)[0]
        return seq, image, (time.perf_counter() - started) * 1000

    def _decoded(self, _request_id: int, result: tuple) -> None:
        seq, image, ms = result
        if seq >= self._shown_seq:
            self._show(seq, image, ms)

    def _show(self, seq: int, image: np.ndarray, ms: float) -> None:
        self._shown_seq = seq
        self.image = image
        self.image_view.set_pixmap(pixmap_near(image, VIEW))
        where = ("in a worker thread (latest value wins"
                 + (f", {self.decoder.skipped} intermediate values skipped)" if self.decoder else ")")
                 if self.worker_mode else "on the GUI thread")
        self._set_caption(self.timing_label, f"decoded in {ms:.1f} ms {where}, one torch thread")

    def _describe_edit(self, z) -> None:  # noqa: ANN001
        pin = self.start_pin.current_pin()
        moved = [f"{d.name} {s.value():+.2f}" for s, d in zip(self.direction_sliders, self.directions, strict=False)
                 if s.value()]
        delta = float((z - self.base).norm()) if self.base is not None else 0.0
        text = f"from “{pin.name}”" if pin is not None else ""
        if moved:
            text += " · " + ", ".join(moved)
        text += f" · ‖Δz‖ = {delta:.2f}"
        self._set_caption(self.edit_label, text)

    def _set_caption(self, label: QLabel, text: str) -> None:
        """Set a caption under the image at most every CAPTION_MS while a slider moves: QLabel.setText relays out
        the whole tool (a hundred sliders for a 100-d code), which cost more than the decode itself."""
        self._captions[label] = text
        if not self._caption_timer.isActive():
            self._caption_timer.start()

    def _flush_captions(self) -> None:
        for caption, text in self._captions.items():
            if caption.text() != text:
                caption.setText(text)
        self._captions.clear()

    def wait_until_idle(self, timeout: float = 5.0) -> None:
        """Block until the worker has shown the latest value (tests, scripts)."""
        if self.decoder is not None:
            self.decoder.wait_idle(timeout)

    def pin_edited(self) -> None:
        from workbench.latent.codes import PinnedCode

        z = self.edited_code()
        if z is None:
            return
        pin = self.start_pin.current_pin()
        moved = [f"{d.name} {s.value():+.2f}" for s, d in zip(self.direction_sliders, self.directions, strict=False)
                 if s.value()]
        changed = [f"z{i} {float(self.base[i]):.2f}→{s.value():.2f}" for i, s in enumerate(self.dim_sliders)
                   if abs(s.value() - float(self.base[i])) > 0.005]
        detail = f"from {pin.name if pin else '?'}: " + ", ".join(moved + changed) if (moved or changed) \
            else f"copy of {pin.name if pin else '?'}"
        name = f"{pin.name} edited" if pin is not None else "edited"
        self.session.add_pins([PinnedCode(name=name, z=z, label=self.current_label(), source="edited",
                                          detail=detail)])

    # ---- state -------------------------------------------------------------------------------------------
    def _update_buttons(self) -> None:
        has = self.base is not None
        for widget in (self.reset_button, self.pin_button, self.zero_dirs_button):
            widget.setEnabled(has)
        for slider in self.dim_sliders + self.direction_sliders:
            slider.setEnabled(has)

    def _close_decoder(self) -> None:
        """Another space: values asked of the old one are dropped (the thread stays for the next slow decode)."""
        if self.decoder is not None:
            self.decoder.discard()

    def shutdown(self) -> None:
        """The window is closing: stop the worker thread."""
        if self.decoder is not None:
            self.decoder.shutdown()
