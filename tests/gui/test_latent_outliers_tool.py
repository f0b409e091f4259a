"""Outliers tool: a tiny digits VAE ranks images by ELBO (least likely first, scores shown, histogram), clicking
an image pins its code; an autoencoder ranks by reconstruction error; a GAN says why it cannot."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt


@pytest.fixture
def session():
    """Held until teardown (see test_latent_embedding_tool.py)."""
    from workbench.gui.panels.latent.session import LatentSession

    yield LatentSession()


def make_tool(qtbot, session, run):
    from workbench.gui.panels.latent.outliers_tool import OutliersTool
    from workbench.latent.model import LatentSpace

    widget = OutliersTool(session)
    qtbot.addWidget(widget)
    widget.resize(900, 700)
    widget.show()
    session.set_space(LatentSpace.from_run(run), run)
    return widget


def rank(tool, qtbot, n: int, shown: int) -> None:
    tool.images_spin.setValue(n)
    tool.show_spin.setValue(shown)
    tool.task.button.click()
    qtbot.waitUntil(lambda: not tool.task.busy, timeout=60_000)
    assert not tool.task.error_label.isVisible(), tool.task.error_label.text()


def test_vae_ranks_by_elbo_and_pins_on_click(qtbot, session, tiny_run):
    tool = make_tool(qtbot, session, tiny_run("vae", data="digits", image_size=8, steps=4))
    assert tool.criterion_combo.currentData() == "elbo" and tool.task.button.isEnabled()
    rank(tool, qtbot, 300, 12)
    ranking = tool.ranking
    assert ranking.criterion == "elbo" and len(ranking.scores) == 300
    assert np.all(np.diff(ranking.scores) >= 0)  # least likely (lowest ELBO) first
    assert len(tool.tiles) == 12
    assert tool.tiles[0].caption.text() == f"#{int(ranking.indices[0])}\n{ranking.scores[0]:.1f}"
    assert tool.bars.getData()[1].sum() == 300 and tool.cut_line.isVisible()
    qtbot.mouseClick(tool.tiles[2], Qt.MouseButton.LeftButton)
    pin = session.pins[-1]
    assert pin.source == "encoded" and pin.name == f"digits #{int(ranking.indices[2])}"
    assert "outlier rank 3" in pin.detail


def test_autoencoder_ranks_by_reconstruction_and_gan_cannot(qtbot, session, tiny_run):
    tool = make_tool(qtbot, session, tiny_run("autoencoder", data="digits", image_size=8, steps=2))
    assert tool.criterion_combo.currentData() == "reconstruction"
    rank(tool, qtbot, 100, 5)
    assert np.all(np.diff(tool.ranking.scores) <= 0) and len(tool.tiles) == 5  # worst reconstruction first
    session.set_space(None)
    assert tool.ranking is None and not tool.tiles and tool.bars.getData()[1].size == 0

    gan = make_tool(qtbot, session, tiny_run("dcgan", data="digits", image_size=8, steps=2))
    assert not gan.task.button.isEnabled() and "no encoder" in gan.applicability.text()
