"""Embedding tool on tiny trained models: a PCA map with one point per code, coloured by class or factor,
hover preview, and a click that pins the clicked point's code; prior samples for a model without encoder."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt


@pytest.fixture
def session():
    """Held by the test until its teardown: a session freed while its finished tasks are being deleted would
    be destroyed from inside its own child's destructor."""
    from workbench.gui.panels.latent.session import LatentSession

    yield LatentSession()


def make_tool(qtbot, session, run):
    from workbench.gui.panels.latent.embedding_tool import EmbeddingTool
    from workbench.latent.model import LatentSpace

    widget = EmbeddingTool(session)
    qtbot.addWidget(widget)
    widget.resize(1000, 640)
    widget.show()
    session.set_space(LatentSpace.from_run(run), run)
    return widget


def compute(tool, qtbot, n: int) -> None:
    tool.points_spin.setValue(n)
    tool.task.button.click()
    qtbot.waitUntil(lambda: not tool.task.busy, timeout=60_000)
    assert not tool.task.error_label.isVisible(), tool.task.error_label.text()


def click_point(tool, qtbot, index: int) -> None:
    view = tool.plot_widget
    qtbot.wait(50)  # the map's range settles after the first layout
    pos = view.mapFromScene(tool.scene_position(index))
    qtbot.mouseMove(view.viewport(), pos)
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=pos)


@pytest.fixture
def vae_tool(qtbot, session, tiny_run):
    return make_tool(qtbot, session, tiny_run("vae", data="shapes2d", image_size=16, steps=6, latent_dim=6))


def test_pca_map_colours_hover_and_click_pins(vae_tool, qtbot):
    tool = vae_tool
    compute(tool, qtbot, 150)
    assert tool.drawn_point_count() == 150 and tool.embedding.points.shape == (150, 2)
    assert tool.colour_combo.currentData() == "class"
    assert sorted(tool.legend.items[i][1].text for i in range(3)) == ["ellipse", "heart", "square"]
    tool.colour_combo.setCurrentIndex(tool.colour_combo.findData("orientation"))  # 40 values: continuous scale
    assert tool.drawn_point_count() == 150 and len(tool.legend.items) == 5
    tool.colour_combo.setCurrentIndex(tool.colour_combo.findData("scale"))
    assert "scale 1.0" in [label.text for _, label in tool.legend.items]

    # a point at an extreme of the map, so that no other point sits under the cursor
    index = int(np.argmax(tool.embedding.points[:, 0]))
    click_point(tool, qtbot, index)
    assert tool.hovered == index and not tool.decoded_view.pixmap().isNull()
    assert not tool.real_view.pixmap().isNull()
    pins = tool.session.pins
    assert len(pins) == 1 and pins[0].source == "encoded"
    assert pins[0].name == f"shapes2d #{int(tool.embedding.indices[index])}"
    assert np.array_equal(pins[0].z.numpy(), tool.embedding.codes[index].numpy())


def test_gan_maps_prior_samples(qtbot, session, tiny_run):
    tool = make_tool(qtbot, session, tiny_run("dcgan", data="digits", image_size=8, steps=2, latent_dim=4))
    assert "no encoder" in tool.placeholder.text()
    compute(tool, qtbot, 40)
    assert tool.embedding.source == "prior" and tool.drawn_point_count() == 40
    assert tool.colour_combo.count() == 1  # nothing to colour by
    tool.pin_point(3)
    assert tool.session.pins[-1].source == "prior"
