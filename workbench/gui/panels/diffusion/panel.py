"""Diffusion panel: explore a trained DDPM run's noise space with deterministic DDIM.

A header names the selected run and, once loaded, the model. Four tools, one sub-tab each:
- Inversion: a dataset image or a file → its noise x_T and back (PSNR, the noise's mean and std);
- Interpolation: slerp between two noises (seeded random, or inverted images);
- Step sweep: FID against the number of DDIM steps, with the dataset's classifier CNN as the Evaluate tab uses it;
- Guidance: a grid of classes × classifier-free guidance scales.

The window builds this panel at start-up without importing torch: the checkpoint is loaded in a background task
when the tab is first shown with a diffusion run selected, and every tool computes in background tasks too.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtWidgets import QTabWidget, QWidget

from workbench.gui.panels.checkpoint_panel import CheckpointPanel
from workbench.gui.panels.diffusion import compute
from workbench.gui.panels.diffusion.guidance_tool import GuidanceTool
from workbench.gui.panels.diffusion.interpolation_tool import InterpolationTool
from workbench.gui.panels.diffusion.inversion_tool import InversionTool
from workbench.gui.panels.diffusion.step_sweep_tool import StepSweepTool
from workbench.methods.capabilities import Diffusion
from workbench.runs import Run, Workspace


class DiffusionPanel(CheckpointPanel):
    """Consumes the selected Run (`show_run`); its tools explore the loaded `DiffusionModel`."""

    loading_text = "<h3>Loading…</h3>Reading the latest checkpoint and some dataset images."
    capability = Diffusion
    kind, does, purpose = "diffusion", "sample images by denoising diffusion", \
        "to invert images to their noise, interpolate between noises and compare DDIM steps and guidance scales"

    def __init__(self, workspace: Workspace, parent: QWidget | None = None) -> None:
        super().__init__(workspace, parent, name="diffusion")
        self.setObjectName("diffusion-panel")
        self.model: Any = None  # workbench.latent.diffusion_explorer.DiffusionModel, used in background tasks only
        self.inversion = InversionTool(self)
        self.interpolation = InterpolationTool(self)
        self.step_sweep = StepSweepTool(self)
        self.guidance = GuidanceTool(self)
        self.inversion.endpoint_chosen.connect(self._endpoint_chosen)
        self.tools = QTabWidget()
        self.tools.setObjectName("diffusion-tools")
        for tool, title, tip in (
                (self.inversion, "Inversion", "An image → its noise x_T by DDIM inversion, and back"),
                (self.interpolation, "Interpolation", "Slerp between two noises (random or inverted images)"),
                (self.step_sweep, "Step sweep", "FID against the number of DDIM steps"),
                (self.guidance, "Guidance", "Classes × classifier-free guidance scales")):
            index = self.tools.addTab(tool, title)
            self.tools.setTabToolTip(index, tip)
        self.set_content(self.tools)
        self.show_run(None)

    # ---- loading ------------------------------------------------------------------------------------------
    def has_model(self) -> bool:
        return self.model is not None or self.loading

    def start_load(self, run: Run) -> None:
        self.tasks.start(lambda: compute.load(run), self._loaded, on_failed=self.load_failed)

    def _loaded(self, loaded: compute.Loaded) -> None:
        self.model = model = loaded.model
        self.inversion.set_model(model, loaded)
        self.interpolation.set_model(model)
        self.step_sweep.set_model(model)
        self.guidance.set_model(model)
        self.loaded_title(model.describe())
        self.status_label.setText("Checkpoint loaded.")

    def unload(self) -> None:
        super().unload()
        self.model = None
        for tool in (self.inversion, self.interpolation, self.step_sweep, self.guidance):
            tool.set_model(None)

    # ---- between the tools --------------------------------------------------------------------------------
    def _endpoint_chosen(self, which: str, view: compute.InversionView) -> None:
        self.interpolation.set_endpoint(which, view)
        self.status_label.setText(f"{view.name}'s noise is endpoint {which} of the interpolation.")

    def show_tool(self, title: str) -> None:
        """Show the sub-tab named `title` ("Inversion", "Interpolation", "Step sweep", "Guidance")."""
        for index in range(self.tools.count()):
            if self.tools.tabText(index) == title:
                self.tools.setCurrentIndex(index)
                return
        raise ValueError(f"no tool {title!r}")

    def drop_files(self, paths: list[Path]) -> None:
        """A dropped image is inverted (the first one, when several are dropped)."""
        if paths:
            self.show_tool("Inversion")
            self.inversion.open_file(paths[0])

    # ---- background work ----------------------------------------------------------------------------------
    @property
    def busy(self) -> bool:
        return self.tasks.busy or self.step_sweep.running or self.guidance.live_worker.busy

    def closing_note(self) -> str:
        return "Stopping the step sweep after its current batch of samples…" if self.step_sweep.running else ""

    def shutdown(self, timeout: float = 30) -> None:
        """Cancel a running step sweep and wait for it, and stop the live guidance worker (the other tools' tasks
        take a second at most)."""
        self.step_sweep.shutdown(timeout)
        self.guidance.shutdown(timeout)
