"""Interpolation: a strip of images between two noises, walked by slerp (spherical interpolation).

Each endpoint is seeded random noise or the noise an image was inverted to (from the Inversion tool). Slerp keeps
the norm a Gaussian noise has, so the frames in between stay noise the network has seen; a straight line would
pass through low-norm noise that samples as washed-out images. With an inverted endpoint the frames are sampled
along the exact ODE (no clipping), so the end frame reproduces that image's reconstruction.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QComboBox, QGroupBox, QLabel, QVBoxLayout, QWidget

from workbench.gui.panels.diffusion import compute
from workbench.gui.panels.latent.image_grid import ImageGrid
from workbench.gui.widgets.factory import ERROR_STYLE, button, hint, label, row, seed_spin, spin
from workbench.gui.widgets.pixmaps import pixmap_near

FRAME_CELL = 128
FRAMES_TIP = "Images along the path, the two endpoints included"
STEPS_TIP = "DDIM steps that sample each frame from its noise (more: finer detail, slower)"
CLASS_TIP = ("The class every frame is sampled as (class-conditional runs); “no class” samples unconditionally. An "
             "inverted endpoint is reproduced only with the class it was inverted with (chosen for you)")
GUIDANCE_TIP = ("Classifier-free guidance w: ε = ε_null + w·(ε_class − ε_null); 1 = plain conditional (what an "
                "inverted image was inverted with), larger = more typical of the class")
INTRO = ("Slerp between two noises: frames in between keep a noise-like norm, so they stay images the model can "
         "make. Send inverted images here from the Inversion tab (“Use as endpoint A/B”).")


class Endpoint(QGroupBox):
    """One end of the path: seeded random noise, or an inverted image's noise."""

    def __init__(self, which: str, seed: int) -> None:
        super().__init__(f"Endpoint {which}")
        self.setObjectName(f"diffusion-endpoint-{which.lower()}")
        self.which = which
        self.inverted: compute.InversionView | None = None
        self.source = QComboBox()
        self.source.setObjectName(f"diffusion-endpoint-{which.lower()}-source")
        self.source.addItem("random noise (seed)", "random")
        self.source.setToolTip(f"Where endpoint {which}'s noise comes from: a seeded random noise x_T ~ N(0, I), or "
                               "the noise an image was inverted to")
        self.seed = seed_spin(f"diffusion-endpoint-{which.lower()}-seed",
                              f"Seed of endpoint {which}'s random noise: the same seed gives the same noise")
        self.seed.setValue(seed)
        self.picture = QLabel()
        self.picture.setFixedSize(48, 48)
        self.note = hint("", small=True)
        self.source.currentIndexChanged.connect(lambda _i: self._update())
        layout = QVBoxLayout(self)
        layout.addLayout(row(self.source, QLabel("seed"), self.seed, self.picture, None))
        layout.addWidget(self.note)
        self._update()

    def set_inverted(self, view: compute.InversionView) -> None:
        self.inverted = view
        if self.source.findData("inverted") < 0:
            self.source.addItem("inverted image", "inverted")
        self.source.setItemText(self.source.findData("inverted"), f"inverted image {view.name}")
        self.source.setCurrentIndex(self.source.findData("inverted"))
        self._update()

    def clear(self) -> None:
        self.inverted = None
        index = self.source.findData("inverted")
        if index >= 0:
            self.source.removeItem(index)
        self._update()

    def uses_inverted(self) -> bool:
        return self.source.currentData() == "inverted" and self.inverted is not None

    def value(self) -> tuple[Any, int]:
        """(noise array or None for random, seed)."""
        return (self.inverted.noise if self.uses_inverted() else None), self.seed.value()

    def _update(self) -> None:
        inverted = self.uses_inverted()
        self.seed.setEnabled(not inverted)
        if inverted:
            view = self.inverted
            self.picture.setPixmap(pixmap_near(view.input, 48))
            self.note.setText(f"{view.steps} DDIM steps, PSNR {view.psnr:.1f} dB")
        else:
            self.picture.clear()
            self.note.setText("")


class InterpolationTool(QWidget):
    """Two endpoints, frames, steps, class and guidance → a strip of images."""

    def __init__(self, panel: Any) -> None:
        super().__init__()
        self.panel = panel
        self.setObjectName("diffusion-interpolation")
        self.model: Any = None
        self.frames_shown = 0
        self.a, self.b = Endpoint("A", 1), Endpoint("B", 2)
        self.frames_spin = spin(2, 32, 8, "diffusion-frames", FRAMES_TIP)
        self.steps_spin = spin(1, 1000, 20, "diffusion-interpolation-steps", STEPS_TIP)
        self.class_combo = QComboBox()
        self.class_combo.setObjectName("diffusion-interpolation-class")
        self.class_combo.setToolTip(CLASS_TIP)
        self.guidance_spin = spin(0.0, 20.0, 1.0, "diffusion-interpolation-guidance", GUIDANCE_TIP, step=0.5)
        self.class_label, self.guidance_label = QLabel("Class"), QLabel("Guidance")
        self.run_button = button("Interpolate", "diffusion-interpolate", "Sample the frames between A and B",
                                 self.interpolate)
        self.strip = ImageGrid("Choose the endpoints and press Interpolate.", cell=FRAME_CELL)
        self.strip.setObjectName("diffusion-interpolation-frames")
        self.summary = label("", "diffusion-interpolation-summary", wrap=True, selectable=True)
        self.class_note = label("", "diffusion-interpolation-class-note", ERROR_STYLE, wrap=True)
        layout = QVBoxLayout(self)
        layout.addWidget(hint(INTRO, small=True))
        layout.addLayout(row((self.a, 1), (self.b, 1)))
        layout.addLayout(row(QLabel("Frames"), self.frames_spin, QLabel("DDIM steps"), self.steps_spin,
                             self.class_label, self.class_combo, self.guidance_label, self.guidance_spin,
                             self.run_button, None))
        layout.addWidget(self.class_note)
        layout.addWidget(self.strip)
        layout.addWidget(self.summary)
        layout.addStretch(1)
        for signal in (self.class_combo.currentIndexChanged, self.a.source.currentIndexChanged,
                       self.b.source.currentIndexChanged):
            signal.connect(lambda _i: self._check_classes())
        self.set_model(None)

    def set_model(self, model: Any) -> None:
        self.model = model
        self.frames_shown = 0
        self.a.clear()
        self.b.clear()
        self.class_note.hide()
        self.strip.set_placeholder("Choose the endpoints and press Interpolate.")
        self.summary.clear()
        self.class_combo.clear()
        self.class_combo.addItem("no class (unconditional)", -1)
        conditional = model is not None and model.conditional
        if model is not None:
            for index, name in enumerate(model.classes):
                self.class_combo.addItem(name, index)
            self.steps_spin.setMaximum(model.num_timesteps)
            if conditional:
                self.class_combo.setCurrentIndex(1)
        for widget in (self.class_combo, self.class_label, self.guidance_spin, self.guidance_label):
            widget.setVisible(conditional)
        self.run_button.setEnabled(model is not None)

    def set_endpoint(self, which: str, view: compute.InversionView) -> None:
        """An inverted image becomes endpoint A or B; the class and steps follow it so that it is reproduced."""
        (self.a if which == "A" else self.b).set_inverted(view)
        self.class_combo.setCurrentIndex(max(0, self.class_combo.findData(view.label)))
        self.guidance_spin.setValue(1.0)
        self.steps_spin.setValue(view.steps)
        self._check_classes()

    def _check_classes(self) -> None:
        """Warn when an inverted endpoint was inverted with another class than the frames are sampled with: its
        frame then is not its reconstruction."""
        model = self.model
        data = self.class_combo.currentData()
        chosen = int(data) if data is not None and model is not None and model.conditional else -1
        names = {-1: "no class", **dict(enumerate(model.classes if model is not None else ()))}
        off = [f"{end.which} was inverted with {names.get(end.inverted.label, '?')}" for end in (self.a, self.b)
               if end.uses_inverted() and model is not None and model.conditional and end.inverted.label != chosen]
        self.class_note.setText(f"Endpoint {' and '.join(off)}, the frames are sampled with {names.get(chosen)}: that "
                                "end will not be its reconstruction. Invert both images with the same class (or "
                                "none) to interpolate between them exactly." if off else "")
        self.class_note.setVisible(bool(off))

    def interpolate(self) -> None:
        model = self.model
        if model is None:
            return
        a, b = self.a.value(), self.b.value()
        frames, steps = self.frames_spin.value(), self.steps_spin.value()
        label_index = int(self.class_combo.currentData()) if model.conditional else -1
        guidance = self.guidance_spin.value()
        self.panel.tasks.start(lambda: compute.interpolate(model, a, b, frames, steps, label_index, guidance),
                               lambda result: self.show_frames(result, steps), f"Interpolating {frames} frames",
                               newest="interpolation")

    def show_frames(self, result: compute.Frames, steps: int) -> None:
        self.frames_shown = len(result.images)
        captions = [f"t = {t:.2f}" for t in result.positions]
        captions[0], captions[-1] = f"A · {captions[0]}", f"B · {captions[-1]}"
        columns = min(len(result.images), 8)
        side = int(result.images.shape[2])
        room = min(2 * FRAME_CELL, (self.width() - 40) // columns - 8)  # fill the tool's width, never widen it
        self.strip.set_images(result.images, columns, captions=captions, cell=max(side, room // side * side))
        exact = self.a.uses_inverted() or self.b.uses_inverted()
        self.summary.setText(f"{len(result.images)} frames by slerp, {steps} DDIM steps each"
                             + (" (exact ODE: inverted endpoints are reproduced)" if exact else "")
                             + f" · {result.seconds:.1f} s")
