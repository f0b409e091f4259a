"""Super-resolution pane: compare bicubic interpolation, SRResNet and SRGAN on one image, pixel by pixel.

Two run pickers choose the models (the workspace's runs of upscaling methods; the run selected in the Runs list
becomes one of them). The input is any image the user opens or drops (the HR original by default: it is cropped
to a multiple of the scale and downscaled by bicubic interpolation; or, ticked, a low-resolution image with no
original) or a held-out sr-photos crop. The views (LR (nearest), bicubic, each model, HR) zoom and pan together,
with PSNR / SSIM against HR under each and the metric convention stated; the comparison exports as one PNG.

The window builds this pane at start-up without importing torch: checkpoints are loaded, and images upscaled,
in background tasks when the tab is shown.
"""

from __future__ import annotations

import html
import math
from pathlib import Path

from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from workbench.config import ConfigError
from workbench.gui.panels.base import PanelBase
from workbench.gui.panels.run_header import run_spec
from workbench.gui.panels.superres.image_input import ImageInput
from workbench.gui.panels.superres.pickers import ModelPickers, upscaler_names
from workbench.gui.panels.superres.session import SuperResolutionSession
from workbench.gui.panels.superres.zoom_views import ComparisonGrid, ViewCard, ZoomSync, view_slug, zoom_text
from workbench.gui.widgets.factory import HINT_STYLE, button, label, row
from workbench.gui.widgets.file_dialogs import ask_open, ask_save
from workbench.methods.capabilities import Upscaler
from workbench.runs import Run, Workspace

CONVENTION_TEMPLATE = ("PSNR / SSIM on RGB in [0, 1], {border}-pixel border cropped (the upscaling factor), "
                       "SSIM σ = 1.5")  # = workbench.superres.metrics.CONVENTION (a test checks), whose import
# takes scipy.stats (~1 s): the pane states it before the core is loaded, then shows the comparison's own line
CONVENTION_TIP = ("How PSNR and SSIM are measured, as in the SR papers (Ledig et al. 2017): on RGB, after cropping "
                  "as many pixels from every edge as the upscaling factor; SSIM with an 11×11 Gaussian window, σ = 1.5")
PLACEHOLDER = ("<h3>No image yet</h3>Open an image (or drop one on this pane), or pick a held-out sr-photos crop "
               "above.<br>An image is taken as the high-resolution original: it is downscaled by bicubic "
               "interpolation and upscaled again, so every view gets PSNR / SSIM against it.<br>Tick “treat as "
               "low-resolution” to upscale an image that has no original (no metrics then).<br><br>"
               "Choose SRResNet and SRGAN runs above to compare them with bicubic interpolation.")
EXAMPLE_SIZE = 128  # held-out crops of 128×128 HR: large enough to see textures, a 32 px LR input at ×4
EXAMPLE_COUNT = 12


def _convention(border: int | str) -> str:
    return CONVENTION_TEMPLATE.format(border=border)


class SuperresPanel(PanelBase):
    """Consumes the selected Run (`show_run`); holds a SuperResolutionSession (models, input, comparison)."""

    def __init__(self, workspace: Workspace, parent: QWidget | None = None) -> None:
        super().__init__(workspace, parent, name="sr")
        self._pending = False  # the pickers changed while hidden: load when shown
        self._shown_slugs: list[str] = []
        self.session = SuperResolutionSession(self)

        self.pickers = ModelPickers()
        self.pickers.changed.connect(self._pickers_changed)
        self.pickers.refresh_requested.connect(self.refresh_runs)
        self.model_a, self.model_b = self.pickers.model_a, self.pickers.model_b
        self.info_a, self.info_b = self.pickers.info_a, self.pickers.info_b
        self.refresh_button, self.busy_bar = self.pickers.refresh_button, self.pickers.busy_bar
        self.input = ImageInput()
        self.input.open_requested.connect(self._open_dialog)
        self.input.example_chosen.connect(self._example_chosen)
        self.input.as_lr_box.toggled.connect(self.session.set_as_lr)
        self.as_lr_box, self.examples = self.input.as_lr_box, self.input.examples
        self.prev_button, self.next_button = self.input.prev_button, self.input.next_button

        self.source_label = label("", "sr-source", wrap=True, selectable=True)
        self.grid = ComparisonGrid(ZoomSync(self))
        self.grid.setObjectName("sr-views")
        self.sync = self.grid.sync
        self.sync.zoom_changed.connect(self._zoom_changed)
        self.sync.hovered.connect(self._hovered)
        self.placeholder.setText(PLACEHOLDER)
        self.stack.addWidget(self.grid)
        self.convention_label = label("", "sr-convention", selectable=True, tip=CONVENTION_TIP)

        line = QFrame()
        line.setFrameShape(QFrame.Shape.HLine)
        line.setFrameShadow(QFrame.Shadow.Sunken)
        layout = QVBoxLayout(self)
        layout.addLayout(row((self.pickers, 1), (self.input, 1)))
        layout.addWidget(self.source_label)
        layout.addLayout(self._zoom_bar())
        layout.addWidget(self.stack, 1)
        layout.addWidget(self.convention_label)
        layout.addWidget(line)
        layout.addWidget(self.messages)

        session = self.session
        session.models_changed.connect(self._update_model_info)
        session.comparison_changed.connect(self._show_comparison)
        session.examples_changed.connect(self._show_examples)
        session.status.connect(self.status_label.setText)
        session.error.connect(self.show_error)
        session.busy_changed.connect(lambda _busy: self.update_busy())
        self._show_comparison()
        self._zoom_changed(self.sync.zoom, self.sync.fitted)

    def _zoom_bar(self) -> QHBoxLayout:
        """Zoom (all views): Fit, 1:1, 2× 4× 8×, − +, the zoom and hovered pixel, and the export button."""
        sync = self.sync
        self.fit_button = button("Fit", "sr-fit", "Show the whole image in every view", sync.fit, tool=True)
        self.one_button = button("1:1", "sr-one-to-one", "One image pixel per screen pixel (pixel-exact)",
                                 lambda: sync.set_zoom(1.0), tool=True)
        self.zoom_buttons = {
            z: button(f"{z}×", f"sr-zoom-{z}", f"Every image pixel as a {z}×{z} square (nearest neighbour)",
                      lambda _checked=False, z=z: sync.set_zoom(float(z)), tool=True)  # clicked passes `checked`
            for z in (2, 4, 8)}
        self.zoom_out_button = button("−", "sr-zoom-out", "Zoom out (the next power of two; or the mouse wheel)",
                                      lambda: sync.zoom_step(-1), tool=True)
        self.zoom_in_button = button("+", "sr-zoom-in", "Zoom in (the next power of two; or the mouse wheel)",
                                     lambda: sync.zoom_step(1), tool=True)
        self.zoom_label = label("", "sr-zoom-label")
        self.pixel_label = label("", "sr-pixel", HINT_STYLE)
        # room for the longest texts, so that the bar does not jump (and no more: it fits a laptop screen)
        self.zoom_label.setMinimumWidth(self.zoom_label.fontMetrics().horizontalAdvance("16× · pixel-exact") + 8)
        self.pixel_label.setMinimumWidth(self.pixel_label.fontMetrics().horizontalAdvance("pixel x 9999, y 9999"))
        self.export_button = button("Export comparison PNG…", "sr-export", "The views side by side with their names, "
                                    "PSNR / SSIM and the metric convention, as one PNG", self._export_dialog)
        bar = row(QLabel("Zoom (all views):"), self.fit_button, self.one_button, *self.zoom_buttons.values(),
                  self.zoom_out_button, self.zoom_in_button, self.zoom_label, self.pixel_label, None,
                  label("drag to pan · wheel to zoom", style=HINT_STYLE), self.export_button)
        bar.setSpacing(4)
        return bar

    # ---- runs and pickers -----------------------------------------------------------------------------------
    def set_workspace(self, workspace: Workspace) -> None:
        self.workspace = workspace
        self.run = None
        self.pickers.forget()
        self.refresh_runs()

    def refresh_runs(self) -> None:
        """List the workspace's SR runs in both pickers, keeping the choices that still exist."""
        self.session.forget_failures()
        self._fill_pickers()
        if self.isVisible():
            self._apply_pickers()

    def _fill_pickers(self) -> None:
        problem = self.pickers.fill(self.workspace)
        if problem:
            self.show_error(problem)
        self._pending = True  # the pickers may have changed: applied now if shown, else when shown
        if self.pickers.sr_runs:
            self._update_model_info()

    def picked_runs(self) -> list[Run | None]:
        return self.pickers.picked_runs()

    def _pickers_changed(self) -> None:
        self._pending = True
        if self.isVisible():
            self._apply_pickers()
        self._update_model_info()

    def _apply_pickers(self) -> None:
        self._pending = False
        self.clear_error()
        self.session.set_runs(self.picked_runs())
        self._update_model_info()

    def show_run(self, run: Run | None) -> None:
        """The Runs list's selection: a run of an upscaling method becomes model A (a base model, e.g. SRResNet) or
        B (a refinement, e.g. SRGAN), loaded when shown."""
        self.run = run
        if run is None:
            return
        try:
            method = run.config.method_name
        except (OSError, ConfigError, KeyError, ValueError) as err:
            self.status_label.setText(f"{run.id}: unreadable configuration ({err})")
            return
        spec = run_spec(run)
        if spec is None or not spec.offers(Upscaler):
            self.status_label.setText(f"{run.id} trains {method}, not super-resolution: choose {upscaler_names()} "
                                      "runs in the pickers.")
            return
        if not self.pickers.is_listed(run):
            self._fill_pickers()
        if any(r is not None and str(r.path) == str(run.path) for r in self.picked_runs()):
            self._pending = True  # (re)load when shown: e.g. a newer checkpoint since changes the key
            if self.isVisible():
                self._apply_pickers()
            return
        problem = self.pickers.choose(run, spec)
        if problem:
            self.show_error(problem)

    def showEvent(self, event) -> None:  # noqa: ANN001, N802 - Qt override
        super().showEvent(event)
        if not self.pickers.listed:
            self._fill_pickers()
        if self._pending:
            self._apply_pickers()
        self.session.load_examples(EXAMPLE_COUNT, EXAMPLE_SIZE)

    def _update_model_info(self) -> None:
        self.pickers.show_states(self.session)

    # ---- input ----------------------------------------------------------------------------------------------
    def _open_dialog(self) -> None:
        for path in ask_open(self, "Open an image to upscale"):
            self.open_file(path)

    def open_file(self, path: str | Path) -> bool:
        """Open an image file; problems go to the error label. True if it was read."""
        self.clear_error()
        self.input.mark(-1)
        return self.session.open_file(path)

    def _show_examples(self) -> None:
        examples = self.session.examples or []
        self.input.show_examples(examples)
        if examples and self.session.image is None:
            # Chosen for the user, not by them: an error shown meanwhile (a model that failed to load) stays.
            self.input.mark(0)
            self._use_example(0)

    def _example_chosen(self, row_index: int) -> None:
        if row_index < len(self.session.examples or []):
            self.clear_error()
            self._use_example(row_index)

    def _use_example(self, row_index: int) -> None:
        name, image = (self.session.examples or [])[row_index]
        if self.as_lr_box.isChecked():  # the examples are HR originals: compare against them
            self.input.set_high_resolution()
            self.session.as_lr = False
        self.session.set_image(image, name)

    def step_example(self, step: int) -> None:
        self.input.step(step)

    def drop_files(self, paths: list[Path]) -> None:
        self.open_file(paths[0])
        if len(paths) > 1:
            self.status_label.setText(f"Opened {paths[0].name}; one image at a time ({len(paths) - 1} ignored).")

    # ---- the comparison ---------------------------------------------------------------------------------------
    def _show_comparison(self) -> None:
        comparison = self.session.comparison
        self.export_button.setEnabled(comparison is not None)
        if comparison is None:
            self.stack.setCurrentWidget(self.placeholder)
            self.convention_label.setText(_convention("s"))
            if self.session.image is None:
                self.source_label.setText("")
            return
        self.convention_label.setText(comparison.convention)
        notes = "".join(f" · {html.escape(n)}" for n in comparison.notes)
        self.source_label.setText(f"<b>Input</b> {html.escape(comparison.describe())}"
                                  f"<span style='{HINT_STYLE}'>{notes}</span>")
        slugs = [view_slug(v.name, i) for i, v in enumerate(comparison.views)]
        previous_size = self.grid.cards[0].view.image_size() if self.grid.cards else None
        if slugs != self._shown_slugs:
            self.grid.set_cards([ViewCard(slug) for slug in slugs])
            self._shown_slugs = slugs
        best_psnr = max((v.psnr for v in comparison.views if v.psnr is not None), default=None)
        best_ssim = max((v.ssim for v in comparison.views if v.ssim is not None), default=None)
        for card, view in zip(self.grid.cards, comparison.views, strict=True):
            card.set_content(html.escape(view.name), html.escape(view.detail), view.image,
                             _metrics_html(view, best_psnr, best_ssim), tooltip=view.detail)
        self.stack.setCurrentWidget(self.grid)
        h, w = comparison.size
        self.grid.set_image_size(w, h)
        if self.sync.fitted or previous_size != (w, h):
            self.sync.fit()

    def _zoom_changed(self, zoom: float, fitted: bool) -> None:
        exact = float(zoom).is_integer() or zoom in (0.5, 0.25, 0.125)
        what = f"fit ({zoom_text(zoom)})" if fitted else zoom_text(zoom)
        self.zoom_label.setText(f"<b>{what}</b>" + (" · pixel-exact" if exact and not fitted else ""))

    def _hovered(self, x: int, y: int) -> None:
        self.pixel_label.setText(f"pixel x {x}, y {y}" if x >= 0 else "")

    # ---- export ---------------------------------------------------------------------------------------------
    def _export_dialog(self) -> None:
        comparison = self.session.comparison
        if comparison is None:
            return
        stem = Path(comparison.source).stem if comparison.source else "comparison"
        name = f"{stem.replace(' ', '-').replace('#', '')}-x{comparison.scale}-comparison.png"
        path = ask_save(self, "Export the comparison as PNG", name, "PNG images (*.png)")
        if path is not None:
            self.export_comparison(path)

    def export_comparison(self, path: str | Path) -> Path | None:
        """Write the comparison PNG; the path written, or None (the reason is shown) on failure."""
        comparison = self.session.comparison
        if comparison is None:
            self.show_error("Nothing to export yet: open an image first.")
            return None
        try:
            from workbench.superres.export import save_comparison_png

            written = save_comparison_png(comparison, path)
        except (OSError, ValueError) as err:
            self.show_error(f"Could not write {path}: {err}")
            return None
        self.status_label.setText(f"Wrote {written}.")
        return written

    # ---- busy state and closing -----------------------------------------------------------------------------
    @property
    def busy(self) -> bool:
        return self.session.busy

    def update_busy(self) -> None:
        super().update_busy()
        self._update_model_info()

    def shutdown(self) -> None:
        """Stop the comparison worker (the window is closing)."""
        self.session.shutdown()


def _metrics_html(view, best_psnr: float | None, best_ssim: float | None) -> str:  # noqa: ANN001 - ComparisonView
    """The caption under a view, the best PSNR and SSIM among the upscaled views in bold."""
    if view.kind == "hr" or (view.psnr is None and view.ssim is None):
        return f"<span style='{HINT_STYLE}'>{html.escape(view.caption)}</span>"
    parts = []
    if view.psnr is not None:
        text = "PSNR ∞" if math.isinf(view.psnr) else f"PSNR {view.psnr:.2f} dB"
        parts.append(f"<b>{text}</b>" if view.psnr == best_psnr else text)
    if view.ssim is not None:
        text = f"SSIM {view.ssim:.4f}"
        parts.append(f"<b>{text}</b>" if view.ssim == best_ssim else text)
    else:
        parts.append("SSIM n/a")
    return " · ".join(parts)

