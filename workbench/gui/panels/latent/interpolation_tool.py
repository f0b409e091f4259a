"""Interpolation between two or more pinned codes: linear or spherical, N steps per segment, shown as a strip
and as an animation (Play / Pause), exported as GIF, MP4 or a PNG strip.

Slerp is the default because a Gaussian prior's mass lies near a sphere: the straight line between two samples
passes through low-norm codes the decoder has rarely seen (see workbench.latent.interpolation).
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QFileDialog, QGroupBox, QHBoxLayout, QLabel, QSlider, QVBoxLayout, QWidget

from workbench.gui.panels.latent.image_grid import ImageGrid
from workbench.gui.panels.latent.pinned_strip import PinChecklist
from workbench.gui.widgets.factory import button, checkbox, choice, column, fill, hint, row, scroll_area, spin
from workbench.gui.widgets.pixmaps import pixmap_near

FRAME_VIEW = 224  # px, the animation view


class InterpolationTool(QWidget):
    def __init__(self, session, parent: QWidget | None = None) -> None:  # noqa: ANN001 - a LatentSession
        super().__init__(parent)
        self.session = session
        self.frames = None  # float tensor T×C×H×W in [-1, 1] (for export)
        self.frames_uint8 = None  # uint8 T×H×W×C (for display)
        self.codes = None  # T×D
        self.labels: list[int | None] = []
        self.frame = 0
        self._direction = 1

        self.pins = PinChecklist(session)
        self.pins.setToolTip("The codes to pass through, in the order of the pinned strip")
        self.pins.changed.connect(self._update_buttons)
        self.mode_combo = choice([("spherical (slerp)", "slerp"), ("linear (lerp)", "lerp")],
                                 tip="slerp keeps the norm of prior codes; lerp passes through low-norm codes")
        self.steps_spin = spin(2, 200, 8, tip="Images per segment, both ends included")
        self.interpolate_button = button("Interpolate", "interpolate", on_click=self.interpolate)
        self.hint = hint()
        choose = QGroupBox("Codes and path")
        fill(QVBoxLayout(choose), QLabel("Pass through (check 2 or more):"), self.pins,
             row(QLabel("Path"), self.mode_combo, QLabel("Steps per segment"), self.steps_spin),
             self.interpolate_button, self.hint, None)
        choose.setMaximumWidth(360)

        # animation
        self.frame_view = QLabel()
        self.frame_view.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.frame_view.setMinimumSize(FRAME_VIEW, FRAME_VIEW)
        self.play_button = button("Play")
        self.play_button.setCheckable(True)
        self.play_button.toggled.connect(self.set_playing)
        self.fps_spin = spin(0.5, 60.0, 10.0, suffix=" fps")
        self.fps_spin.valueChanged.connect(self._set_interval)
        self.bounce_box = checkbox("Bounce", tip="Play forward then back (also in exported animations), so loops have "
                                   "no jump", checked=True)
        self.frame_slider = QSlider(Qt.Orientation.Horizontal)
        self.frame_slider.valueChanged.connect(self.show_frame)
        self.frame_label = QLabel()
        self.pin_frame_button = button("Pin this frame", on_click=self.pin_frame)
        self.timer = QTimer(self)
        self.timer.timeout.connect(self._tick)
        self._set_interval()
        animation = QGroupBox("Animation")
        side = column(None, self.frame_label, self.frame_slider, row(self.play_button, self.fps_spin, self.bounce_box),
                      self.pin_frame_button, None)
        fill(QHBoxLayout(animation), (self.frame_view, 1), side)

        # strip and export
        self.strip = ImageGrid("Check two or more pinned codes and press Interpolate.", cell=64)
        self.strip_scroll = scroll = scroll_area(self.strip)
        scroll.setMinimumHeight(110)
        self.gif_button = button("Export GIF…", on_click=lambda: self._ask_export("gif"))
        self.mp4_button = button("Export MP4…", on_click=lambda: self._ask_export("mp4"))
        self.png_button = button("Export PNG strip…", on_click=lambda: self._ask_export("png"))
        self.strip_info = QLabel()
        strip_box = QGroupBox("Strip")
        fill(QVBoxLayout(strip_box), (scroll, 1),
             row((self.strip_info, 1), self.gif_button, self.mp4_button, self.png_button))
        fill(QHBoxLayout(self), choose, (column((strip_box, 1), (animation, 1)), 1))
        session.space_changed.connect(self._clear)
        session.pins_changed.connect(self._default_checks)
        self._clear()

    # ---- compute -----------------------------------------------------------------------------------------
    def chosen(self) -> list:
        return self.pins.checked_pins()

    def interpolate(self) -> None:
        pins = self.chosen()
        if len(pins) < 2 or self.session.space is None:
            self._update_buttons()
            return
        mode = self.mode_combo.currentData()
        steps = self.steps_spin.value()
        session = self.session

        def work():  # noqa: ANN202 - background thread
            import torch

            from workbench.gui.panels.latent.session import to_uint8
            from workbench.latent.interpolation import interpolation_path

            codes = interpolation_path([p.z for p in pins], steps, mode)
            labels = _segment_labels([p.label for p in pins], steps, codes.shape[0])
            label_tensor = session.labels_tensor(labels)
            with torch.no_grad():
                images = session.space.decode(codes, label_tensor)
            return codes, labels, images, to_uint8(images)

        self.interpolate_button.setEnabled(False)
        self.session.run_task(work, self._show, f"Interpolating {len(pins)} codes ({mode}, {steps} steps)",
                              on_failed=lambda *_: self._update_buttons())

    def _show(self, value) -> None:  # noqa: ANN001
        self.codes, self.labels, self.frames, self.frames_uint8 = value
        n = len(self.frames_uint8)
        ends = {0, n - 1}
        steps = self.steps_spin.value()
        captions = [("●" if (i in ends or i % (steps - 1) == 0) else f"{i}") for i in range(n)]
        columns = min(n, 16)
        room = self.strip_scroll.viewport().width() // columns - 8  # fill the width, up to 128 px per image
        self.strip.set_images(self.frames_uint8, columns=columns, captions=captions, cell=max(40, min(128, room)))
        self.strip_info.setText(f"{n} images · {self.mode_combo.currentData()} · ● = a pinned code")
        self.frame_slider.blockSignals(True)
        self.frame_slider.setRange(0, n - 1)
        self.frame_slider.setValue(0)
        self.frame_slider.blockSignals(False)
        self.show_frame(0)
        self._update_buttons()

    # ---- animation ---------------------------------------------------------------------------------------
    def set_playing(self, playing: bool) -> None:
        if playing and self.frames_uint8 is not None:
            self.timer.start()
            self.play_button.setText("Pause")
        else:
            self.timer.stop()
            self.play_button.setText("Play")
            if self.play_button.isChecked():
                self.play_button.setChecked(False)

    @property
    def playing(self) -> bool:
        return self.timer.isActive()

    def _set_interval(self) -> None:
        self.timer.setInterval(max(10, round(1000 / self.fps_spin.value())))

    def _tick(self) -> None:
        n = len(self.frames_uint8)
        if n < 2:
            return
        nxt = self.frame + self._direction
        if not 0 <= nxt < n:
            if self.bounce_box.isChecked():
                self._direction = -self._direction
                nxt = self.frame + self._direction
            else:
                nxt = 0
        self.frame_slider.setValue(nxt)

    def show_frame(self, index: int) -> None:
        if self.frames_uint8 is None:
            return
        self.frame = int(index)
        self.frame_view.setPixmap(pixmap_near(self.frames_uint8[self.frame], FRAME_VIEW))
        self.frame_label.setText(f"frame {self.frame + 1} of {len(self.frames_uint8)}")

    def pin_frame(self) -> None:
        from workbench.latent.codes import PinnedCode

        if self.codes is None:
            return
        names = " → ".join(p.name for p in self.chosen()) or "path"
        code = PinnedCode(name=f"interpolated {self.frame + 1}/{len(self.codes)}",
                          z=self.codes[self.frame].clone().float(), label=self.labels[self.frame],
                          source="interpolated",
                          detail=f"{self.mode_combo.currentData()} through {names}, frame {self.frame + 1}")
        self.session.add_pins([code])

    # ---- export ------------------------------------------------------------------------------------------
    def _ask_export(self, kind: str) -> None:
        filters = {"gif": "GIF animation (*.gif)", "mp4": "MP4 video (*.mp4)", "png": "PNG image (*.png)"}
        default = str(self._default_folder() / f"interpolation.{kind}")
        path, _ = QFileDialog.getSaveFileName(self, f"Export the interpolation as {kind.upper()}", default,
                                              filters[kind])
        if path:
            self.export(kind, path)

    def export(self, kind: str, path: str | Path):  # noqa: ANN201 - the Path written, or None on error
        """Write the strip as `kind` ("gif", "mp4" or "png") to `path`; errors are shown, not raised."""
        from workbench.latent import export

        if self.frames is None:
            return None
        fps, bounce = self.fps_spin.value(), self.bounce_box.isChecked()
        try:
            if kind == "gif":
                written = export.save_gif(self.frames, path, fps=fps, bounce=bounce)
            elif kind == "mp4":
                written = export.save_mp4(self.frames, path, fps=fps, bounce=bounce)
            else:
                written = export.save_png_strip(self.frames, path, nrow=len(self.frames))
        except (ValueError, OSError) as err:
            self.session.error.emit(f"Export failed: {str(err).removeprefix('LatentError: ')}", "")
            return None
        self.session.status.emit(f"Exported {len(self.frames)} frames to {written}.")
        return written

    def _default_folder(self) -> Path:
        run = self.session.run
        return Path(run.path) / "latent" if run is not None else Path.home()

    # ---- state -------------------------------------------------------------------------------------------
    def _clear(self) -> None:
        self.set_playing(False)
        self.frames = self.frames_uint8 = self.codes = None
        self.frame_view.clear()
        self.frame_view.setText("no frames yet")
        self.frame_label.setText("")
        self.strip_info.setText("")
        self.strip.set_placeholder("Check two or more pinned codes and press Interpolate.")
        self._update_buttons()

    def _default_checks(self) -> None:
        """With nothing checked, the first two pins are: two pins and one click give a strip."""
        if not self.chosen() and len(self.session.pins) >= 2:
            self.pins.set_checked([0, 1])

    def _update_buttons(self) -> None:
        n = len(self.chosen())
        loaded = self.session.space is not None
        self.interpolate_button.setEnabled(loaded and n >= 2)
        self.hint.setText("" if n >= 2 else f"{n} checked: check at least two codes (pin some first)."
                          if loaded else "Load a run first.")
        has_frames = self.frames is not None
        for widget in (self.play_button, self.gif_button, self.mp4_button, self.png_button, self.pin_frame_button,
                       self.frame_slider):
            widget.setEnabled(has_frames)


def _segment_labels(labels: list[int | None], steps: int, total: int) -> list[int | None]:
    """Each frame takes the class of the nearer end of its segment (conditional models change class midway)."""
    out: list[int | None] = []
    for i in range(total):
        segment = min(i // (steps - 1), len(labels) - 2)
        t = (i - segment * (steps - 1)) / (steps - 1)
        out.append(labels[segment] if t < 0.5 else labels[segment + 1])
    return out
