"""Super-resolution pane: compare bicubic interpolation, SRResNet and SRGAN on one image, pixel by pixel.

Two run pickers choose the models (the workspace's srresnet and srgan runs; the run selected in the Runs list
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
import re
from pathlib import Path

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QDragEnterEvent, QDropEvent, QIcon, QShowEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFileDialog,
    QFrame,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QListView,
    QListWidget,
    QListWidgetItem,
    QProgressBar,
    QPushButton,
    QStackedWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from workbench.config import ConfigError
from workbench.gui.panels.run_header import run_missing_checkpoint_text
from workbench.gui.panels.superres.session import SuperResolutionSession
from workbench.gui.panels.superres.zoom_views import (
    ComparisonGrid,
    ViewCard,
    ZoomSync,
    view_slug,
    zoom_text,
)
from workbench.gui.widgets.pixmaps import pixmap_near
from workbench.runs import Run, Workspace

ERROR_STYLE = "color: #c62828;"
HINT_STYLE = "color: palette(mid);"
SR_METHODS = {"srresnet": "SRResNet", "srgan": "SRGAN"}
IMAGE_FILTER = "Images (*.png *.jpg *.jpeg *.bmp *.ppm *.pgm *.tif *.tiff *.webp);;All files (*)"
CONVENTION_TEMPLATE = ("PSNR / SSIM on RGB in [0, 1], {border}-pixel border cropped (the upscaling factor), "
                       "SSIM σ = 1.5")  # = workbench.superres.metrics.CONVENTION (a test checks), whose import
# takes scipy.stats (~1 s): the pane states it before the core is loaded, then shows the comparison's own line
PLACEHOLDER = ("<h3>No image yet</h3>Open an image (or drop one on this pane), or pick a held-out sr-photos crop "
               "above.<br>An image is taken as the high-resolution original: it is downscaled by bicubic "
               "interpolation and upscaled again, so every view gets PSNR / SSIM against it.<br>Tick “treat as "
               "low-resolution” to upscale an image that has no original (no metrics then).<br><br>"
               "Choose SRResNet and SRGAN runs above to compare them with bicubic interpolation.")
EXAMPLE_ICON = 56
EXAMPLE_SIZE = 128  # held-out crops of 128×128 HR: large enough to see textures, a 32 px LR input at ×4
EXAMPLE_COUNT = 12


def _convention(border: int | str) -> str:
    return CONVENTION_TEMPLATE.format(border=border)


class SuperresPanel(QWidget):
    """Consumes the selected Run (`show_run`); holds a SuperResolutionSession (models, input, comparison)."""

    def __init__(self, workspace: Workspace, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.workspace = workspace
        self.run: Run | None = None  # the run selected in the Runs list
        self.sr_runs: list[Run] = []  # the workspace's srresnet and srgan runs, newest first
        self._listed = False  # the pickers have been filled once (on first show)
        self._pending = False  # the pickers changed while hidden: load when shown
        self._shown_slugs: list[str] = []
        self.session = SuperResolutionSession(self)
        self.setAcceptDrops(True)

        # ---- models ---------------------------------------------------------------------------------------
        models = QGroupBox("Models")
        self.model_a = QComboBox()
        self.model_a.setObjectName("sr-model-a")
        self.model_b = QComboBox()
        self.model_b.setObjectName("sr-model-b")
        self.info_a = QLabel()
        self.info_a.setObjectName("sr-model-a-info")
        self.info_b = QLabel()
        self.info_b.setObjectName("sr-model-b-info")
        for combo in (self.model_a, self.model_b):
            combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            combo.setMinimumContentsLength(28)
            combo.setToolTip("A super-resolution run (srresnet or srgan): its latest checkpoint upscales the image. "
                             "Both models must have the same scale.")
            combo.currentIndexChanged.connect(self._pickers_changed)
        for info in (self.info_a, self.info_b):
            info.setStyleSheet(HINT_STYLE)
            info.setWordWrap(True)
            info.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.refresh_button = QToolButton()
        self.refresh_button.setObjectName("sr-refresh")
        self.refresh_button.setText("⟳ Refresh")
        self.refresh_button.setToolTip("List the workspace's super-resolution runs again and reload checkpoints "
                                       "written since")
        self.refresh_button.clicked.connect(self.refresh_runs)
        self.busy_bar = QProgressBar()
        self.busy_bar.setObjectName("sr-busy")
        self.busy_bar.setRange(0, 0)
        self.busy_bar.setMaximumWidth(80)
        self.busy_bar.setTextVisible(False)
        self.busy_bar.hide()
        model_grid = QGridLayout(models)
        model_grid.addWidget(QLabel("Model A"), 0, 0)
        model_grid.addWidget(self.model_a, 0, 1)
        model_grid.addWidget(self.refresh_button, 0, 2)
        model_grid.addWidget(self.info_a, 1, 1, 1, 2)
        model_grid.addWidget(QLabel("Model B"), 2, 0)
        model_grid.addWidget(self.model_b, 2, 1)
        model_grid.addWidget(self.busy_bar, 2, 2)
        model_grid.addWidget(self.info_b, 3, 1, 1, 2)
        model_grid.setColumnStretch(1, 1)

        # ---- input ----------------------------------------------------------------------------------------
        inputs = QGroupBox("Image")
        self.open_button = QPushButton("Open image…")
        self.open_button.setObjectName("sr-open")
        self.open_button.setToolTip("Any image file; you can also drop files on this pane")
        self.open_button.clicked.connect(self._open_dialog)
        self.as_lr_box = QCheckBox("treat as low-resolution")
        self.as_lr_box.setObjectName("sr-as-lr")
        self.as_lr_box.setToolTip("Unticked: the image is the HR original; its bicubic downscale is upscaled and "
                                  "compared with it (PSNR / SSIM).\nTicked: the image itself is upscaled; there is "
                                  "no original, so no metrics.")
        self.as_lr_box.toggled.connect(self.session.set_as_lr)
        self.prev_button = QToolButton()
        self.prev_button.setObjectName("sr-example-prev")
        self.prev_button.setText("◀")
        self.prev_button.setToolTip("Previous held-out example")
        self.prev_button.clicked.connect(lambda: self.step_example(-1))
        self.next_button = QToolButton()
        self.next_button.setObjectName("sr-example-next")
        self.next_button.setText("▶")
        self.next_button.setToolTip("Next held-out example")
        self.next_button.clicked.connect(lambda: self.step_example(1))
        self.examples = QListWidget()
        self.examples.setObjectName("sr-examples")
        self.examples.setViewMode(QListView.ViewMode.IconMode)
        self.examples.setFlow(QListView.Flow.LeftToRight)
        self.examples.setWrapping(False)
        self.examples.setMovement(QListView.Movement.Static)
        self.examples.setIconSize(QSize(EXAMPLE_ICON, EXAMPLE_ICON))
        self.examples.setSpacing(2)
        self.examples.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
        self.examples.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        bar_height = self.examples.horizontalScrollBar().sizeHint().height()
        self.examples.setFixedHeight(EXAMPLE_ICON + 16 + bar_height)
        self.examples.setToolTip("Held-out sr-photos crops (test split: photos no training crop comes from), "
                                 "opened as HR originals")
        self.examples.currentRowChanged.connect(self._example_chosen)
        first_row = QHBoxLayout()
        first_row.addWidget(self.open_button)
        first_row.addWidget(self.as_lr_box)
        self.examples_label = QLabel("or a held-out sr-photos crop:")
        self.examples_label.setStyleSheet(HINT_STYLE)
        first_row.addSpacing(12)
        first_row.addWidget(self.examples_label)
        first_row.addStretch(1)
        strip = QHBoxLayout()
        strip.addWidget(self.prev_button)
        strip.addWidget(self.examples, 1)
        strip.addWidget(self.next_button)
        input_layout = QVBoxLayout(inputs)
        input_layout.addLayout(first_row)
        input_layout.addLayout(strip)

        top = QHBoxLayout()
        top.addWidget(models, 1)
        top.addWidget(inputs, 1)

        # ---- source line, zoom bar, export ----------------------------------------------------------------
        self.source_label = QLabel()
        self.source_label.setObjectName("sr-source")
        self.source_label.setWordWrap(True)
        self.source_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.sync = ZoomSync(self)
        self.sync.zoom_changed.connect(self._zoom_changed)
        self.sync.hovered.connect(self._hovered)
        bar = QHBoxLayout()
        bar.setSpacing(4)
        zoom_title = QLabel("Zoom (all views):")
        bar.addWidget(zoom_title)
        self.fit_button = self._tool("Fit", "sr-fit", "Show the whole image in every view", self.sync.fit)
        self.one_button = self._tool("1:1", "sr-one-to-one", "One image pixel per screen pixel (pixel-exact)",
                                     lambda: self.sync.set_zoom(1.0))
        self.zoom_buttons = {
            z: self._tool(f"{z}×", f"sr-zoom-{z}", f"Every image pixel as a {z}×{z} square (nearest neighbour)",
                          lambda _checked=False, z=z: self.sync.set_zoom(float(z)))  # clicked passes `checked`
            for z in (2, 4, 8)}
        self.zoom_out_button = self._tool("−", "sr-zoom-out", "Zoom out (the next power of two; or the mouse wheel)",
                                          lambda: self.sync.zoom_step(-1))
        self.zoom_in_button = self._tool("+", "sr-zoom-in", "Zoom in (the next power of two; or the mouse wheel)",
                                         lambda: self.sync.zoom_step(1))
        for button in (self.fit_button, self.one_button, *self.zoom_buttons.values(), self.zoom_out_button,
                       self.zoom_in_button):
            bar.addWidget(button)
        self.zoom_label = QLabel()
        self.zoom_label.setObjectName("sr-zoom-label")
        self.zoom_label.setMinimumWidth(150)
        bar.addWidget(self.zoom_label)
        self.pixel_label = QLabel()
        self.pixel_label.setObjectName("sr-pixel")
        self.pixel_label.setStyleSheet(HINT_STYLE)
        self.pixel_label.setMinimumWidth(130)
        bar.addWidget(self.pixel_label)
        bar.addStretch(1)
        hint = QLabel("drag to pan · wheel to zoom")
        hint.setStyleSheet(HINT_STYLE)
        bar.addWidget(hint)
        self.export_button = QPushButton("Export comparison PNG…")
        self.export_button.setObjectName("sr-export")
        self.export_button.setToolTip("The views side by side with their names, PSNR / SSIM and the metric "
                                      "convention, as one PNG")
        self.export_button.clicked.connect(self._export_dialog)
        bar.addWidget(self.export_button)

        # ---- views ----------------------------------------------------------------------------------------
        self.grid = ComparisonGrid(self.sync)
        self.grid.setObjectName("sr-views")
        self.placeholder = QLabel(PLACEHOLDER)
        self.placeholder.setObjectName("sr-placeholder")
        self.placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.placeholder.setWordWrap(True)
        self.placeholder.setStyleSheet("color: palette(mid); padding: 32px; font-size: 14px;")
        self.stack = QStackedWidget()
        self.stack.addWidget(self.placeholder)
        self.stack.addWidget(self.grid)

        self.convention_label = QLabel()
        self.convention_label.setObjectName("sr-convention")
        self.convention_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.convention_label.setToolTip("How PSNR and SSIM are measured, as in the SR papers (Ledig et al. 2017): "
                                         "on RGB, after cropping as many pixels from every edge as the upscaling "
                                         "factor; SSIM with an 11×11 Gaussian window, σ = 1.5")

        # ---- messages -------------------------------------------------------------------------------------
        self.error_label = QLabel()
        self.error_label.setObjectName("sr-error")
        self.error_label.setStyleSheet(ERROR_STYLE)
        self.error_label.setWordWrap(True)
        self.error_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.error_close = QToolButton()
        self.error_close.setText("×")
        self.error_close.setToolTip("Dismiss")
        self.error_close.clicked.connect(self.clear_error)
        self.status_label = QLabel()
        self.status_label.setObjectName("sr-status")
        self.status_label.setStyleSheet(HINT_STYLE)
        self.status_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        messages = QHBoxLayout()
        messages.addWidget(self.error_label, 1)
        messages.addWidget(self.error_close)
        messages.addWidget(self.status_label, 1)

        line = QFrame()
        line.setFrameShape(QFrame.Shape.HLine)
        line.setFrameShadow(QFrame.Shadow.Sunken)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.source_label)
        layout.addLayout(bar)
        layout.addWidget(self.stack, 1)
        layout.addWidget(self.convention_label)
        layout.addWidget(line)
        layout.addLayout(messages)

        self.session.models_changed.connect(self._update_model_info)
        self.session.comparison_changed.connect(self._show_comparison)
        self.session.examples_changed.connect(self._show_examples)
        self.session.status.connect(self.status_label.setText)
        self.session.error.connect(self.show_error)
        self.session.busy_changed.connect(self._busy_changed)
        self.clear_error()
        for combo in (self.model_a, self.model_b):  # the runs are listed when the tab is first shown
            combo.addItem("none", None)
        self._show_comparison()
        self._zoom_changed(self.sync.zoom, self.sync.fitted)

    def _tool(self, text: str, name: str, tip: str, slot) -> QToolButton:  # noqa: ANN001 - a callable
        button = QToolButton()
        button.setText(text)
        button.setObjectName(name)
        button.setToolTip(tip)
        button.clicked.connect(slot)
        return button

    # ---- runs and pickers -----------------------------------------------------------------------------------
    def set_workspace(self, workspace: Workspace) -> None:
        self.workspace = workspace
        self.run = None
        self._listed = False
        self.refresh_runs()

    def refresh_runs(self) -> None:
        """List the workspace's SR runs in both pickers, keeping the choices that still exist."""
        self.session.forget_failures()
        self._fill_pickers()
        if self.isVisible():
            self._apply_pickers()

    def _list_sr_runs(self) -> list[Run]:
        found = []
        for run in self.workspace.runs():
            try:
                name = run.config.method_name
            except (OSError, ConfigError, KeyError, ValueError):
                continue  # an unreadable run is shown (with its reason) by the Runs list
            if name in SR_METHODS:
                found.append(run)
        return found

    def _fill_pickers(self) -> None:
        previous = [self._picked(combo) for combo in (self.model_a, self.model_b)]
        try:
            self.sr_runs = self._list_sr_runs()
        except OSError as err:
            self.sr_runs = []
            self.show_error(f"Cannot list the runs in {self.workspace.root}: {err}")
        if not self._listed and self.sr_runs:  # first time: the newest SRResNet and SRGAN with checkpoints
            previous = [previous[0] or self._newest("srresnet"), previous[1] or self._newest("srgan")]
        self._listed = self._listed or bool(self.sr_runs)
        for combo, keep in zip((self.model_a, self.model_b), previous, strict=True):
            combo.blockSignals(True)
            combo.clear()
            combo.addItem("none", None)
            for run in self.sr_runs:
                text, enabled = self._run_text(run)
                combo.addItem(text, str(run.path))
                if not enabled:
                    combo.model().item(combo.count() - 1).setEnabled(False)
            index = combo.findData(str(keep.path)) if keep is not None else 0
            combo.setCurrentIndex(max(0, index))
            combo.blockSignals(False)
        self._pending = True  # the pickers may have changed: applied now if shown, else when shown
        if not self.sr_runs:
            self.info_a.setText("No srresnet or srgan runs in this workspace yet: train one in the Training tab "
                                "(dataset sr-photos).")
            self.info_b.setText("")
        else:
            self._update_model_info()

    def _newest(self, method: str) -> Run | None:
        for run in self.sr_runs:
            if run.config.method_name == method and run.latest_checkpoint_step() is not None:
                return run
        return None

    def _run_text(self, run: Run) -> tuple[str, bool]:
        config = run.config
        step = run.latest_checkpoint_step()
        where = f"step {step}" if step is not None else run_missing_checkpoint_text(run, False)
        return (f"{SR_METHODS[config.method_name]} · {run.id} · ×{config.data.scale} · {where}", step is not None)

    def _picked(self, combo: QComboBox) -> Run | None:
        path = combo.currentData()
        if not path:
            return None
        return next((r for r in self.sr_runs if str(r.path) == path), None)

    def picked_runs(self) -> list[Run | None]:
        return [self._picked(self.model_a), self._picked(self.model_b)]

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
        """The Runs list's selection: an SR run becomes model A (srresnet) or B (srgan), loaded when shown."""
        self.run = run
        if run is None:
            return
        try:
            method = run.config.method_name
        except (OSError, ConfigError, KeyError, ValueError) as err:
            self.status_label.setText(f"{run.id}: unreadable configuration ({err})")
            return
        if method not in SR_METHODS:
            self.status_label.setText(f"{run.id} trains {method}, not super-resolution: choose srresnet or srgan "
                                      "runs in the pickers.")
            return
        if all(str(r.path) != str(run.path) for r in self.sr_runs):
            self._fill_pickers()
        if any(r is not None and str(r.path) == str(run.path) for r in self.picked_runs()):
            self._pending = True  # (re)load when shown: e.g. a newer checkpoint since changes the key
            if self.isVisible():
                self._apply_pickers()
            return
        combo = self.model_b if method == "srgan" else self.model_a
        index = combo.findData(str(run.path))
        if index < 0:
            return
        if not combo.model().item(index).isEnabled():  # greyed out: nothing to load, so leave the pickers alone
            self.show_error(f"Run {run.id} has {run_missing_checkpoint_text(run)}: train it first, then choose it "
                            "here.")
            return
        combo.setCurrentIndex(index)  # → _pickers_changed

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 - Qt override
        super().showEvent(event)
        if not self._listed:
            self._fill_pickers()
        if self._pending:
            self._apply_pickers()
        self.session.load_examples(EXAMPLE_COUNT, EXAMPLE_SIZE)

    def _update_model_info(self) -> None:
        session = self.session
        for combo, info in ((self.model_a, self.info_a), (self.model_b, self.info_b)):
            run = self._picked(combo)
            if run is None:
                info.setText("none: choose a run to compare" if self.sr_runs else info.text())
                continue
            key = session.key(run)
            details = html.escape(_run_details(run))
            if key in session.models:
                info.setText(f"<b>loaded</b> · {details}")
            elif key in session.failures:
                info.setText(f"<span style='{ERROR_STYLE}'>could not load: {html.escape(session.failures[key])}</span>")
            elif key in session.loading:
                info.setText(f"loading the latest checkpoint… · {details}")
            else:
                info.setText(f"loaded when this tab is shown · {details}")
            info.setToolTip("\n".join(t for t in (_run_details(run), _run_notes(run)) if t))

    # ---- input ----------------------------------------------------------------------------------------------
    def _open_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Open an image to upscale", str(Path.home()), IMAGE_FILTER)
        if path:
            self.open_file(path)

    def open_file(self, path: str | Path) -> bool:
        """Open an image file; problems go to the error label. True if it was read."""
        self.clear_error()
        self.examples.blockSignals(True)
        self.examples.setCurrentRow(-1)
        self.examples.blockSignals(False)
        return self.session.open_file(path)

    def _show_examples(self) -> None:
        examples = self.session.examples or []
        self.examples.blockSignals(True)
        self.examples.clear()
        for name, image in examples:
            item = QListWidgetItem(QIcon(pixmap_near(image, EXAMPLE_ICON)), "")
            item.setToolTip(f"{name} ({image.shape[1]}×{image.shape[0]} HR crop)")
            self.examples.addItem(item)
        self.examples.blockSignals(False)
        self.examples_label.setText(f"or one of {len(examples)} held-out sr-photos crops (photos never trained on):"
                                    if examples else "no held-out examples")
        self.prev_button.setEnabled(bool(examples))
        self.next_button.setEnabled(bool(examples))
        if examples and self.session.image is None:
            # Chosen for the user, not by them: an error shown meanwhile (a model that failed to load) stays.
            self.examples.blockSignals(True)
            self.examples.setCurrentRow(0)
            self.examples.blockSignals(False)
            self._use_example(0)

    def _example_chosen(self, row: int) -> None:
        if 0 <= row < len(self.session.examples or []):
            self.clear_error()
            self._use_example(row)

    def _use_example(self, row: int) -> None:
        name, image = (self.session.examples or [])[row]
        if self.as_lr_box.isChecked():  # the examples are HR originals: compare against them
            self.as_lr_box.blockSignals(True)
            self.as_lr_box.setChecked(False)
            self.as_lr_box.blockSignals(False)
            self.session.as_lr = False
        self.session.set_image(image, name)

    def step_example(self, step: int) -> None:
        n = self.examples.count()
        if n:
            row = self.examples.currentRow()
            self.examples.setCurrentRow((row + step) % n if row >= 0 else 0)

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
        default = str(Path.home() / f"{stem.replace(' ', '-').replace('#', '')}-x{comparison.scale}-comparison.png")
        path, _ = QFileDialog.getSaveFileName(self, "Export the comparison as PNG", default, "PNG images (*.png)")
        if path:
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

    # ---- messages -------------------------------------------------------------------------------------------
    def show_error(self, message: str, details: str = "") -> None:
        self.error_label.setText(message)
        self.error_label.setToolTip(details[-3000:] if details else "")
        self.error_label.show()
        self.error_close.show()

    def clear_error(self) -> None:
        self.error_label.clear()
        self.error_label.hide()
        self.error_close.hide()

    def _busy_changed(self, busy: bool) -> None:
        self.busy_bar.setVisible(busy)
        self._update_model_info()

    # ---- drag and drop --------------------------------------------------------------------------------------
    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # noqa: N802 - Qt override
        if event.mimeData().hasUrls() and any(url.isLocalFile() for url in event.mimeData().urls()):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802 - Qt override
        paths = [Path(url.toLocalFile()) for url in event.mimeData().urls() if url.isLocalFile()]
        event.acceptProposedAction()
        if paths:
            self.open_file(paths[0])
            if len(paths) > 1:
                self.status_label.setText(f"Opened {paths[0].name}; one image at a time ({len(paths) - 1} ignored).")


def _run_details(run: Run) -> str:
    """What the picker's line does not say: the network's size, the training crops, SRGAN's content loss."""
    try:
        config = run.config
        notes = run.notes()
    except (OSError, ConfigError, KeyError, ValueError) as err:
        return f"unreadable configuration ({err})"
    method, data = config.method, config.data
    blocks = method.residual_blocks
    parts = [f"{blocks} residual block{'s' if blocks != 1 else ''} × {method.channels} features",
             f"trained on {data.image_size} px {data.name} crops"]
    if "content_loss" in notes:  # "pixel MSE (fallback: …)", "VGG-19 relu5_4 features from /path": the gist
        gist = re.split(r" \(| from ", notes["content_loss"])[0]
        parts.append(f"content loss: {gist}")
    if "initialised_from" in notes:  # "srresnet-x4 (step 600, /path/to/run)"
        start = notes["initialised_from"].split(", ")[0]
        parts.append(f"from {start}{')' if '(' in start else ''}")
    return " · ".join(parts)


def _run_notes(run: Run) -> str:
    """The run's notes in full (the model line's tooltip)."""
    try:
        return "\n".join(f"{k.replace('_', ' ')}: {v}" for k, v in run.notes().items())
    except (OSError, ValueError) as err:
        return f"notes unreadable: {err}"


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

