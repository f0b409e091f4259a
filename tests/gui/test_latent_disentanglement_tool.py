"""Disentanglement tool: compute on a tiny shapes2d VAE (table, heat maps of the right shapes, stored in the run
and shown again when the run is loaded), and a clear message for a run where it does not apply."""

from __future__ import annotations

import pytest


@pytest.fixture
def session():
    """Held until teardown (see test_latent_embedding_tool.py)."""
    from workbench.gui.panels.latent.session import LatentSession

    yield LatentSession()


def make_tool(qtbot, session, run):
    from workbench.gui.panels.latent.disentanglement_tool import DisentanglementTool
    from workbench.latent.model import LatentSpace

    widget = DisentanglementTool(session)
    qtbot.addWidget(widget)
    widget.resize(1100, 720)
    widget.show()
    session.set_space(LatentSpace.from_run(run), run)
    return widget


def test_compute_fills_table_and_heat_maps_and_is_stored(qtbot, session, tiny_run):
    from workbench.evaluation.disentanglement import stored_disentanglement

    run = tiny_run("vae", data="shapes2d", image_size=16, steps=6, latent_dim=6)
    tool = make_tool(qtbot, session, run)
    assert tool.task.button.isEnabled() and tool.report is None
    assert "Not computed" in tool.report_info.text()
    tool.codes_spin.setValue(200)
    tool.interventions_spin.setValue(30)
    tool.batch_spin.setValue(8)
    tool.task.button.click()
    qtbot.waitUntil(lambda: not tool.task.busy, timeout=120_000)
    assert not tool.task.error_label.isVisible(), tool.task.error_label.text()
    rows = tool.score_rows()
    assert [label.split(" [")[0] for label, _ in rows] == ["MIG", "DCI disentanglement", "DCI completeness",
                                                          "DCI informativeness", "SAP", "β-VAE score",
                                                          "FactorVAE score"]
    assert rows[0][0] == "MIG [shapes2d, 200 codes]" and all(0.0 <= float(v) <= 1.0 for _, v in rows)
    for name in ("mutual information", "DCI importance", "SAP"):
        view = tool.heatmaps[name]
        assert view.matrix.shape == (6, 5), name
        assert view.row_names[0] == "z0" and view.column_names == ["shape", "scale", "orientation", "posX", "posY"]
    assert "stored in the run" in tool.task.status_label.text()
    assert stored_disentanglement(run) is not None

    # loading the run again shows the stored report without computing
    other = make_tool(qtbot, session, run)
    assert other.report is not None and other.score_rows() == rows


def test_clear_message_where_it_does_not_apply(qtbot, session, tiny_run):
    tool = make_tool(qtbot, session, tiny_run("vae", data="digits", image_size=8, steps=2))
    assert not tool.task.button.isEnabled()
    assert "known generative factors" in tool.applicability.text() and "digits" in tool.applicability.text()
    assert tool.heatmaps["SAP"].matrix is None
