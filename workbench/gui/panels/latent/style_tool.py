"""Style tool: what the layers of a style-based generator (StyleGAN) control.

- Style mixing (Karras et al. 2019, Figure 3): rows are sources A, columns sources B, each image A's styles with
  B's in one group of layers: coarse (overall shape and pose), middle (finer features) or fine (colour and
  texture).
- The truncation trick (Figure 8): w̄ + ψ·(w − w̄) for a few seeds, live while the ψ slider moves; ψ = 0 is the
  mean image, the same for every seed.
- Noise inputs (Figures 4–5): one code's image with one layer's noise redrawn, and the per-pixel standard deviation
  over the draws: where that noise changes the image (stochastic detail), and where it does not.

The core is workbench.latent.style_mixing; everything is computed in the background (the ψ slider through a
newest-value-wins worker) and shown as uint8 images. No torch is imported at module level.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import QGroupBox, QHBoxLayout, QLabel, QLineEdit, QVBoxLayout, QWidget

from workbench.gui.latest_request import LatestRequestWorker
from workbench.gui.panels.latent.capability_tool import (
    CapabilityTool,
    FittedImages,
    colorize,
    legend,
    parse_seeds,
    resized_seeds,
    seeds_text,
)
from workbench.gui.panels.latent.tool_common import TaskRow
from workbench.gui.widgets.factory import (
    choice,
    column,
    fill,
    hint,
    line_edit,
    row,
    seed_spin,
    slider,
    spin,
)
from workbench.gui.widgets.pixmaps import rgb_array
from workbench.methods.capabilities import StyleMixer

GROUP_MEANING = {"coarse": "overall shape and pose", "middle": "finer features",
                 "fine": "colour and texture"}
MIX_SEEDS = ([101, 102, 103], [201, 202, 203, 204])
TRUNCATION_SEEDS = [1, 2, 3, 4, 5]
PSI_STEPS = 100  # slider units per ψ = 1
PSI_MAX = 1.5
MAX_SOURCES = 10


def layers_text(layers: tuple[int, int]) -> str:
    """[start, end) → "layers 0–1" (or "layer 3")."""
    start, end = layers
    return f"layer {start}" if end - start == 1 else f"layers {start}–{end - 1}"


class StyleTool(CapabilityTool):
    capability = StyleMixer
    title = "Style"
    needs = "a style-based generator with one style per layer"
    about = ("Style mixing, the truncation trick and redrawn noise show what each layer of the style-based "
             "generator controls (Karras et al. 2019, Figures 3, 4 and 8).")

    def __init__(self, session, parent: QWidget | None = None) -> None:  # noqa: ANN001 - a LatentSession
        super().__init__(session, parent)
        self.mixing = None  # the StyleMixingGrid shown (float tensors), or None
        self.truncation_images = None  # uint8 (1 + seeds)×H×W×C: the mean image, then each seed at ψ
        self.truncation_shown: tuple[float, tuple[int, ...]] | None = None  # (ψ, seeds) of the row shown
        self.noise = None  # the NoiseResampling shown
        self._needs_render = False  # a model was loaded while the tool was hidden: render when shown
        self._again: set[str] = set()  # "mix", "noise": asked for while that view was computing
        self.truncation_worker = LatestRequestWorker(_truncation_row, "style-truncation", self)
        self.truncation_worker.ready.connect(self._truncation_ready)
        self.truncation_worker.failed.connect(lambda _id, message, _details: self.truncation_info.setText(
            f"<span style='color:#c62828'>{message}</span>"))

        mixing = self._build_mixing()
        right = column((self._build_truncation(), 1), (self._build_noise(), 1), margins=0)
        fill(QHBoxLayout(self.body), (mixing, 5), (right, 6), margins=0)
        self.follow_session()

    # ---- layout ------------------------------------------------------------------------------------------
    def _build_mixing(self) -> QGroupBox:
        box = QGroupBox("Style mixing: rows are sources A, columns sources B")
        self.group_combo = choice(tip="Which of A's layers take B's styles", on_change=lambda _i: self.mix())
        self.group_combo.setObjectName("style-group")
        self.rows_spin = spin(1, MAX_SOURCES, len(MIX_SEEDS[0]), tip="Sources A: one row each")
        self.columns_spin = spin(1, MAX_SOURCES, len(MIX_SEEDS[1]), tip="Sources B: one column each")
        self.seeds_a = line_edit("style-seeds-a", "seeds of A", tip="The seeds of the sources A (e.g. 1, 2, 5-7)")
        self.seeds_b = line_edit("style-seeds-b", "seeds of B", tip="The seeds of the sources B (e.g. 1, 2, 5-7)")
        self.seeds_a.setText(seeds_text(MIX_SEEDS[0]))
        self.seeds_b.setText(seeds_text(MIX_SEEDS[1]))
        for count, edit in ((self.rows_spin, self.seeds_a), (self.columns_spin, self.seeds_b)):
            count.valueChanged.connect(lambda n, e=edit: self._count_changed(e, n))
            edit.editingFinished.connect(lambda e=edit, c=count: self._seeds_edited(e, c))
        self.mix_task = TaskRow(self.session, "Mix")
        self.mix_task.button.setObjectName("style-mix")
        self.mix_task.button.clicked.connect(self.mix)
        self.mix_caption = hint(small=True)
        self.mix_grid = FittedImages("Choose the layers and the seeds, then Mix.")
        fill(QVBoxLayout(box),
             row(QLabel("B's styles in"), (self.group_combo, 2), (self.mix_task, 1)),
             row(QLabel("Rows (A)"), self.rows_spin, (self.seeds_a, 1), 8, QLabel("Columns (B)"), self.columns_spin,
                 (self.seeds_b, 1)),
             (self.mix_grid, 1), self.mix_caption)
        return box

    def _build_truncation(self) -> QGroupBox:
        box = QGroupBox("Truncation trick: w̄ + ψ·(w − w̄)")
        self.psi_slider = slider(0, round(PSI_MAX * PSI_STEPS), PSI_STEPS, "style-psi",
                                 "ψ: 1 = the seed's own style, 0 = the average style w̄, in between more typical "
                                 "and less varied images")
        self.psi_slider.setPageStep(10)
        self.psi_label = QLabel()
        self.psi_label.setMinimumWidth(64)
        self.truncation_seeds = line_edit("style-truncation-seeds", tip="The seeds shown (e.g. 1, 2, 5-7)")
        self.truncation_seeds.setText(seeds_text(TRUNCATION_SEEDS))
        self.truncation_seeds.editingFinished.connect(self.render_truncation)
        self.psi_slider.valueChanged.connect(self._psi_moved)
        self.truncation_info = hint(small=True)
        self.truncation_grid = FittedImages("Load a StyleGAN run.")
        fill(QVBoxLayout(box),
             row(QLabel("ψ"), (self.psi_slider, 2), self.psi_label, QLabel("seeds"), (self.truncation_seeds, 1)),
             (self.truncation_grid, 1), self.truncation_info)
        self._psi_moved(self.psi_slider.value(), render=False)
        return box

    def _build_noise(self) -> QGroupBox:
        box = QGroupBox("Noise inputs: one layer's noise redrawn, and where it changes the image")
        self.noise_layer = choice(tip="The noise input to redraw; all others stay fixed",
                                  on_change=lambda _i: self.resample())
        self.noise_layer.setObjectName("style-noise-layer")
        self.noise_seed = seed_spin("style-noise-seed", "The code whose image is shown")
        self.noise_seed.setValue(1)
        self.noise_seed.setMaximumWidth(90)
        self.noise_count = spin(2, 16, 6, tip="How many times the noise is drawn")
        self.noise_task = TaskRow(self.session, "Resample")
        self.noise_task.button.setObjectName("style-resample")
        self.noise_task.button.clicked.connect(self.resample)
        self.noise_info = hint(small=True)
        self.noise_grid = FittedImages("Choose a noise input, then Resample.")
        fill(QVBoxLayout(box),
             row(QLabel("Noise input"), (self.noise_layer, 1), QLabel("seed"), self.noise_seed, QLabel("draws"),
                 self.noise_count, (self.noise_task, 1)),
             (self.noise_grid, 1),
             row((self.noise_info, 1), legend("std 0", "largest"), spacing=12))
        return box

    # ---- the model ---------------------------------------------------------------------------------------
    def model_changed(self) -> None:
        self.truncation_worker.discard()
        self.mixing = self.noise = self.truncation_images = self.truncation_shown = None
        self._again.clear()
        self.mix_task.clear()
        self.noise_task.clear()
        for text in (self.truncation_info, self.noise_info, self.mix_caption):
            text.setText("")
        method = self.method
        self.group_combo.blockSignals(True)
        self.noise_layer.blockSignals(True)
        self.group_combo.clear()
        self.noise_layer.clear()
        if method is not None:
            for name, layers in method.layer_groups().items():
                self.group_combo.addItem(f"{name}: {layers_text(layers)}", name)
                self.group_combo.setItemData(self.group_combo.count() - 1,
                                             f"In the StyleGAN paper's faces: {GROUP_MEANING.get(name, name)}",
                                             Qt.ItemDataRole.ToolTipRole)
            resolutions = _noise_resolutions(method)
            for k in range(method.num_noise_layers):
                where = f" ({resolutions[k]}×{resolutions[k]})" if resolutions else ""
                order = " coarsest" if k == 0 else " finest" if k == method.num_noise_layers - 1 else ""
                self.noise_layer.addItem(f"noise {k}{where}{order}", k)
        self.group_combo.blockSignals(False)
        self.noise_layer.blockSignals(False)
        text = "Mix, move ψ or Resample." if method is not None else "Nothing to show for this model."
        for grid in (self.mix_grid, self.truncation_grid, self.noise_grid):
            grid.set_placeholder(text)
        self._needs_render = method is not None
        if self._needs_render and self.isVisible():
            self.render_all()

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 - Qt override
        super().showEvent(event)
        if self._needs_render:
            self.render_all()

    def render_all(self) -> None:
        """The three views for the loaded model, with the current choices."""
        self._needs_render = False
        self.mix()
        self.render_truncation()
        self.resample()

    def shutdown(self) -> None:
        self.truncation_worker.shutdown()

    # ---- seeds -------------------------------------------------------------------------------------------
    def _count_changed(self, edit: QLineEdit, count: int) -> None:
        try:
            seeds = parse_seeds(edit.text())
        except ValueError:
            seeds = []
        edit.setText(seeds_text(resized_seeds(seeds, count)))

    def _seeds_edited(self, edit: QLineEdit, count) -> None:  # noqa: ANN001 - the QSpinBox of that list
        try:
            seeds = parse_seeds(edit.text())
        except ValueError as err:
            self.mix_task.show_error(str(err))
            return
        if seeds and len(seeds) != count.value():
            count.blockSignals(True)
            count.setValue(min(len(seeds), MAX_SOURCES))
            count.blockSignals(False)
            if len(seeds) > MAX_SOURCES:
                edit.setText(seeds_text(seeds[:MAX_SOURCES]))

    def chosen_seeds(self, edit: QLineEdit, count: int) -> list[int]:
        """The seeds typed (ValueError when they cannot be read), as many as `count`."""
        seeds = parse_seeds(edit.text())
        if not seeds:
            raise ValueError("give at least one seed")
        return resized_seeds(seeds, count)

    # ---- style mixing ------------------------------------------------------------------------------------
    def mix(self) -> None:
        method, group = self.method, self.group_combo.currentData()
        if method is None or group is None:
            return
        if self.mix_task.busy:
            self._again.add("mix")  # the latest choice is mixed when the running grid is shown
            return
        try:
            seeds_a = self.chosen_seeds(self.seeds_a, self.rows_spin.value())
            seeds_b = self.chosen_seeds(self.seeds_b, self.columns_spin.value())
        except ValueError as err:
            self.mix_task.show_error(str(err))
            return

        def work(_progress):  # noqa: ANN001, ANN202 - background thread: no Qt
            from workbench.gui.panels.latent.session import to_uint8
            from workbench.latent.style_mixing import style_mixing_grid

            grid = style_mixing_grid(method, seeds_a, seeds_b, group)
            return grid, to_uint8(grid.tiles()), seeds_a, seeds_b

        self.mix_task.start(work, self._mixed, f"Mixing {len(seeds_a)}×{len(seeds_b)} ({group} layers)")

    def _mixed(self, value) -> None:  # noqa: ANN001
        grid, tiles, seeds_a, seeds_b = value
        self.mixing = grid
        if "mix" in self._again:
            self._again.discard("mix")
            self.mix()
        self.mix_grid.set_images(tiles, columns=grid.nrow, blank=(0,),  # the corner has no image
                                 column_headers=["sources<br>A ↓", *[f"B<br>seed {s}" for s in seeds_b]],
                                 row_headers=["sources B →", *[f"A · seed {s}" for s in seeds_a]])
        group, layers = grid.group, grid.layers
        self.mix_caption.setText(f"Inside: row A with column B's {group} {layers_text(layers)} "
                                 f"({GROUP_MEANING.get(group, group)} in the paper's faces).")

    # ---- truncation --------------------------------------------------------------------------------------
    @property
    def psi(self) -> float:
        return self.psi_slider.value() / PSI_STEPS

    def _psi_moved(self, _value: int, render: bool = True) -> None:
        self.psi_label.setText(f"ψ = {self.psi:.2f}")
        if render:
            self.render_truncation()

    def render_truncation(self) -> None:
        """Ask the worker for the row at the slider's ψ; a newer ψ replaces one not started yet."""
        if self.method is None:
            return
        try:
            seeds = parse_seeds(self.truncation_seeds.text())[:MAX_SOURCES * 2]
        except ValueError as err:
            self.truncation_info.setText(f"<span style='color:#c62828'>{err}</span>")
            return
        if not seeds:
            self.truncation_info.setText("<span style='color:#c62828'>Give at least one seed.</span>")
            return
        self.truncation_worker.submit((self.method, tuple(seeds), self.psi))

    def _truncation_ready(self, _request_id: int, result) -> None:  # noqa: ANN001
        psi, seeds, images = result
        self.truncation_images = images
        self.truncation_shown = (psi, seeds)
        self.truncation_grid.set_images(images, captions=["mean w̄ (ψ = 0)", *[f"seed {s}" for s in seeds]])
        self.truncation_info.setText(
            f"ψ = {psi:.2f}: " + ("each seed's own style." if psi == 1 else
                                  "every seed becomes the mean image." if psi == 0 else
                                  "beyond the seed's own style, away from the mean." if psi > 1 else
                                  f"each style pulled {1 - psi:.0%} of the way to the mean: more typical, less "
                                  "varied."))

    # ---- noise -------------------------------------------------------------------------------------------
    def resample(self) -> None:
        method, layer = self.method, self.noise_layer.currentData()
        if method is None or layer is None:
            return
        if self.noise_task.busy:
            self._again.add("noise")
            return
        seed, n = self.noise_seed.value(), self.noise_count.value()

        def work(_progress):  # noqa: ANN001, ANN202 - background thread: no Qt
            from workbench.gui.panels.latent.session import to_uint8
            from workbench.latent.style_mixing import noise_resampling

            result = noise_resampling(method, seed, layer, n)
            std = result.std.numpy()
            peak = float(std.max())
            return result, to_uint8(result.images), colorize(std / peak if peak > 0 else std), peak

        self.noise_task.start(work, self._resampled, f"Redrawing noise {layer} {n} times")

    def _resampled(self, value) -> None:  # noqa: ANN001
        import numpy as np

        result, images, std_map, peak = value
        self.noise = result
        if "noise" in self._again:
            self._again.discard("noise")
            self.resample()
        n = len(images)
        colour = np.stack([rgb_array(image) for image in images])  # grey images beside the coloured map
        self.noise_grid.set_images(np.concatenate([colour, std_map[None]]),
                                   captions=[*[f"draw {i + 1}" for i in range(n)], "std per pixel"])
        self.noise_info.setText(f"Noise {result.layer} redrawn {n} times, other inputs fixed; last: the per-pixel "
                                f"std over the draws (largest {peak:.3f}).")


def _truncation_row(request: tuple) -> tuple:
    """The worker's computation (its own thread): (ψ, seeds, uint8 images: the mean image, then each seed)."""
    import torch

    from workbench.compat import one_torch_thread
    from workbench.gui.panels.latent.session import to_uint8
    from workbench.latent.style_mixing import styles_for_seeds

    method, seeds, psi = request
    with one_torch_thread(), torch.no_grad():
        ws = torch.cat([styles_for_seeds(method, seeds[:1], 0.0), styles_for_seeds(method, seeds, psi)])
        images = method.synthesize_ws(ws).float()
    return psi, seeds, to_uint8(images)


def _noise_resolutions(method) -> tuple[int, ...]:  # noqa: ANN001 - a StyleMixer
    """The side of each noise input where the generator says it (for the labels); () when it does not."""
    sides = getattr(getattr(method, "sampler", None), "noise_resolutions", ())
    return tuple(int(s) for s in sides) if len(sides) == method.num_noise_layers else ()
