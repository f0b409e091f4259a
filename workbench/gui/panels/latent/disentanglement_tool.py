"""Disentanglement tool: MIG, β-VAE score, FactorVAE score, DCI (disentanglement, completeness,
informativeness) and SAP of a model with an encoder trained on shapes2d, with the per-factor matrices behind
them drawn as heat maps (latent dimensions × factors).

"Compute" runs `workbench.metrics.disentanglement.disentanglement_report` in the background and stores the
result in the run like any evaluation (the Evaluate tab and `workbench eval RUN --disentanglement` read the
same files); a stored report is shown as soon as the run is loaded.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QGroupBox, QHBoxLayout, QLabel, QTableWidgetItem, QVBoxLayout, QWidget

from workbench.gui.panels.latent.tool_common import TaskRow, follow_space
from workbench.gui.widgets.factory import fill, hint, label, row, seed_spin, spin
from workbench.gui.widgets.heatmap import HeatmapView
from workbench.gui.widgets.metric_table import metric_table

# What each score measures, in one line (all lie in [0, 1]; higher is more disentangled / informative)
READINGS = {
    "MIG": "gap between the two dimensions most informative about each factor, ÷ its entropy",
    "DCI disentanglement": "each dimension predicts few factors (importance concentrated per row)",
    "DCI completeness": "each factor is captured by few dimensions (importance concentrated per column)",
    "DCI informativeness": "accuracy of predicting the factors from the whole code (held out)",
    "SAP": "gap in predictability between the two best single dimensions per factor",
    "β-VAE score": "accuracy of telling which factor was held fixed from code differences (linear)",
    "FactorVAE score": "majority-vote accuracy of the held-fixed factor from the least varying dimension",
}
MATRICES = (  # (name in the report, title, colour map)
    ("mutual information", "Mutual information (nats)", "viridis"),
    ("DCI importance", "DCI importance (columns sum to 1)", "viridis"),
    ("SAP", "SAP: single-dimension accuracy", "viridis"),
)


class DisentanglementTool(QWidget):
    """Consumes the session's space and run; stores computed reports in the run."""

    def __init__(self, session, parent: QWidget | None = None) -> None:  # noqa: ANN001 - a LatentSession
        super().__init__(parent)
        self.session = session
        self.report = None  # workbench.metrics.disentanglement.DisentanglementReport on show

        self.applicability = label("", "disentanglement-applicability", wrap=True)
        self.codes_spin = spin(10, 100_000, 5000, tip="dataset images encoded for MIG, DCI and SAP", step=1000)
        self.interventions_spin = spin(3, 100_000, 450, step=150, tip="β-VAE points and FactorVAE votes (two thirds "
                                       "train, one third test); disentanglement_lib uses 10,000 + 5,000")
        self.batch_spin = spin(2, 1024, 32, tip="images per intervention (disentanglement_lib: 64)", suffix=" images")
        self.seed_spin = seed_spin()
        controls = row(QLabel("Codes"), self.codes_spin, QLabel("interventions"), self.interventions_spin,
                       QLabel("×"), self.batch_spin, QLabel("seed"), self.seed_spin, None)
        self.task = TaskRow(session, "Compute and store")
        self.task.button.setObjectName("disentanglement-compute")
        self.task.button.clicked.connect(self.compute)

        scores_box = QGroupBox("Scores")
        self.report_info = hint("", "disentanglement-info")
        self.table = metric_table("disentanglement-table", ["Metric", "Value", "Reading (0–1, higher is better)"])
        self.table.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.table.setFixedHeight(self.table.horizontalHeader().sizeHint().height() + 22 * len(READINGS) + 4)
        fill(QVBoxLayout(scores_box), self.report_info, self.table)

        maps_box = QGroupBox("Per-factor matrices (rows: latent dimensions, columns: factors)")
        maps_layout = QHBoxLayout(maps_box)
        self.heatmaps: dict[str, HeatmapView] = {}
        for name, title, colormap in MATRICES:
            view = HeatmapView(title, colormap=colormap, row_title="latent dimension", column_title="factor")
            view.setObjectName(f"disentanglement-{name.replace(' ', '-').lower()}")
            self.heatmaps[name] = view
            maps_layout.addWidget(view, 1)

        fill(QVBoxLayout(self), self.applicability, controls, self.task, scores_box, (maps_box, 1), margins=4)
        follow_space(session, self._space_changed)

    # ---- the session -------------------------------------------------------------------------------------
    def problem(self) -> str:
        """Why the report does not apply to the loaded model (empty when it does)."""
        space = self.session.space
        if space is None:
            return "Load a run to see or compute its disentanglement report."
        from workbench.config import ConfigError
        from workbench.data import dataset_spec

        data = space.data_config.name
        try:
            has_factors = dataset_spec(data).factors and data.startswith("shapes2d")
        except ConfigError:
            has_factors = False
        if not has_factors:
            return (f"The disentanglement report needs data with known generative factors: train on shapes2d or "
                    f"shapes2d-correlated. This model ({space.method_name}) was trained on {data}.")
        if not space.has_encoder:
            return (f"The disentanglement report scores an encoder's codes against the true factors; "
                    f"{space.method_name} has no encoder. Train a VAE, β-TCVAE, AAE or autoencoder on {data}.")
        return ""

    def _space_changed(self) -> None:
        self.task.clear()
        problem = self.problem()
        space = self.session.space
        self.task.button.setEnabled(not problem and not self.task.busy)
        for box in (self.codes_spin, self.interventions_spin, self.batch_spin, self.seed_spin):
            box.setEnabled(not problem)
        if problem:
            self.applicability.setText(f"<span style='color:#8a6d00'>{problem}</span>")
            self._show(None, "Nothing to show: " + problem[0].lower() + problem[1:])
            return
        self.applicability.setText(f"{space.method_name} on {space.data_config.name}: scores the encoder's codes "
                                   "(posterior means for VAEs) against the five known factors.")
        stored = None
        if self.session.run is not None:
            from workbench.evaluation.disentanglement import stored_disentanglement

            stored = stored_disentanglement(self.session.run)
        if stored is None:
            self._show(None, "Not computed for this run yet. “Compute and store” scores the latest checkpoint "
                             "(a few seconds to minutes with the defaults) and keeps the result in the run.")
        else:
            self._show(stored)

    # ---- computing ---------------------------------------------------------------------------------------
    def compute(self) -> None:
        space, run = self.session.space, self.session.run
        if self.problem() or self.task.busy:
            return
        n, seed = self.codes_spin.value(), self.seed_spin.value()
        interventions, batch = self.interventions_spin.value(), self.batch_spin.value()

        def work(progress):  # noqa: ANN001, ANN202 - background thread: no Qt
            from workbench.evaluation.disentanglement import disentanglement_report, store_disentanglement

            step = run.latest_checkpoint_step() if run is not None else None
            report = disentanglement_report(space, n, seed=seed, interventions=interventions, batch_size=batch,
                                            step=step, progress=lambda text: progress(text[:1].upper() + text[1:]))
            stored = False
            if run is not None and step is not None:
                progress("Storing the report in the run…")
                store_disentanglement(run, report)
                stored = True
            return report, stored

        self.task.start(work, self._computed, "Disentanglement report")

    def _computed(self, value) -> None:  # noqa: ANN001
        report, stored = value
        self._show(report)
        self.task.set_status(f"Computed in {report.seconds:.1f} s" +
                             ("; stored in the run (Evaluate tab, `workbench eval`)." if stored
                              else " (no run: not stored)."))

    # ---- showing -----------------------------------------------------------------------------------------
    def _show(self, report, placeholder: str = "") -> None:  # noqa: ANN001 - a DisentanglementReport or None
        self.report = report
        self.table.setRowCount(0)
        if report is None:
            self.report_info.setText(placeholder)
            for view in self.heatmaps.values():
                view.set_placeholder("No report.")
            return
        when = f"step {report.step}" if report.step is not None else "a live model"
        latest = self.session.run.latest_checkpoint_step() if self.session.run is not None else None
        stale = (f" <b>Stored for step {report.step}; the latest checkpoint is step {latest}: compute again.</b>"
                 if latest is not None and report.step is not None and latest != report.step else "")
        self.report_info.setText(f"{report.label} · {when} · seed {report.seed} · took {report.seconds:.1f} s."
                                 f"{stale}")
        self.table.setRowCount(len(report.scores))
        for r, (name, value) in enumerate(report.scores.items()):
            label = QTableWidgetItem(report.metric_label(name))
            label.setToolTip(report.label)
            self.table.setItem(r, 0, label)
            item = QTableWidgetItem("–" if not np.isfinite(value) else f"{value:.3f}")
            item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            self.table.setItem(r, 1, item)
            reading = QTableWidgetItem(READINGS.get(name, ""))
            reading.setForeground(self.palette().placeholderText())
            self.table.setItem(r, 2, reading)
        for name, view in self.heatmaps.items():
            matrix = report.matrices.get(name)
            if matrix is None:
                view.set_placeholder(f"{name}: not in this report.")
                continue
            rows = [f"z{i}" for i in range(matrix.shape[0])]
            high = float(np.nanmax(matrix)) if matrix.size else 1.0
            view.set_matrix(matrix, rows, list(report.factor_names), levels=(0.0, max(high, 1e-9)))

    def score_rows(self) -> list[tuple[str, str]]:
        """The table's (label, value) rows as shown."""
        return [(self.table.item(r, 0).text(), self.table.item(r, 1).text()) for r in range(self.table.rowCount())]

