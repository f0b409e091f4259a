"""Directions tool on a tiny trained shapes2d VAE: compute supervised and PCA directions (listed, saved in the
run, cosine matrix), rename and delete, and a conditional edit that changes the image and pins the result."""

from __future__ import annotations

import numpy as np
import pytest


@pytest.fixture
def session():
    """Held by the test until its teardown: a session freed while its finished tasks are being deleted would
    be destroyed from inside its own child's destructor."""
    from workbench.gui.panels.latent.session import LatentSession

    yield LatentSession()


@pytest.fixture
def tool(qtbot, session, tiny_run):
    from workbench.gui.panels.latent.directions_tool import DirectionsTool
    from workbench.latent.codes import prior_code
    from workbench.latent.model import LatentSpace

    run = tiny_run("vae", data="shapes2d", image_size=16, steps=6, latent_dim=6)
    widget = DirectionsTool(session)
    qtbot.addWidget(widget)
    widget.resize(1100, 760)
    widget.show()
    space = LatentSpace.from_run(run)
    session.set_space(space, run, [prior_code(space, 1), prior_code(space, 2)])
    qtbot.waitUntil(lambda: widget.data_info is not None, timeout=30_000)
    return widget


def compute(tool, qtbot, method: str, **fields) -> None:
    tool.method_combo.setCurrentIndex(tool.method_combo.findData(method))
    for name, value in fields.items():
        getattr(tool, f"{name}_spin").setValue(value)
    assert tool.task.button.isEnabled(), tool.method_hint.text()
    tool.task.button.click()
    qtbot.waitUntil(lambda: not tool.task.busy, timeout=60_000)
    assert not tool.task.error_label.isVisible(), tool.task.error_label.text()


def test_compute_list_save_and_cosine(tool, qtbot):
    from workbench.latent.directions import load_directions

    run = tool.session.run
    assert tool.attribute_combo.findData("scale") >= 0 and tool.attribute_combo.findData("class") >= 0
    tool.attribute_combo.setCurrentIndex(tool.attribute_combo.findData("scale"))
    assert tool.positive_combo.currentText() == "scale 1.0" and tool.negative_combo.currentText() == "scale 0.5"
    tool.name_edit.setText("bigger")
    compute(tool, qtbot, "class-means", samples=200)
    assert [d.name for d in tool.directions] == ["bigger"]
    provenance = tool.directions[0].provenance
    assert tool.directions[0].method == "class-means" and "200 shapes2d images" in provenance, provenance
    assert tool.table.rowCount() == 1 and tool.table.item(0, 0).text() == "bigger"
    assert tool.cosine.matrix is None  # one direction: nothing to compare

    tool.name_edit.setText("")
    compute(tool, qtbot, "pca", samples=200, components=3)
    names = [d.name for d in tool.directions]
    assert names == ["bigger", "pc1", "pc2", "pc3"]
    assert [d.name for d in load_directions(run)] == names
    assert tool.cosine.matrix.shape == (4, 4)
    assert np.allclose(np.diag(tool.cosine.matrix), 1.0)
    assert abs(tool.cosine.matrix[1, 2]) < 1e-4  # principal axes are orthogonal

    tool.table.item(1, 0).setText("first axis")  # rename in place
    assert [d.name for d in load_directions(run)][1] == "first axis"
    tool.table.selectRow(3)
    tool.delete_button.click()
    assert [d.name for d in load_directions(run)] == ["bigger", "first axis", "pc2"]
    assert tool.cosine.matrix.shape == (3, 3)


def test_conditional_edit_changes_the_image_and_pins(tool, qtbot):
    from workbench.latent.directions import Direction

    compute(tool, qtbot, "pca", samples=200, components=3)
    tool.code_combo.setCurrentIndex(0)
    tool.direction_combo.setCurrentIndex(tool.direction_combo.findText("pc1"))
    qtbot.wait(10)
    before = tool.edited_image.copy()
    tool.set_amount(3.0)
    qtbot.waitUntil(lambda: not np.array_equal(tool.edited_image, before), timeout=5_000)
    free = tool.edited_code.clone()
    tool.set_held(["pc2"])
    qtbot.wait(10)
    # pc1 is already orthogonal to pc2: holding pc2 changes nothing
    assert np.allclose(tool.edited_code.numpy(), free.numpy(), atol=1e-5)
    pc1, pc2 = tool.directions[0].vector, tool.directions[1].vector
    tool._save([*tool.directions, Direction("mix", pc1 + pc2, "pca", "test: pc1 + pc2")], "")
    tool.set_held(["mix"])
    qtbot.wait(10)
    step = tool.edited_code - tool.session.pins[0].z
    assert abs(float(step @ (pc1 + pc2))) < 1e-4  # the held direction does not move
    assert float(step.norm()) == pytest.approx(3.0, rel=1e-4)
    assert "keeps 71%" in tool.edit_info.text()  # cos 45°
    pins = len(tool.session.pins)
    tool.pin_button.click()
    assert len(tool.session.pins) == pins + 1
    pinned = tool.session.pins[-1]
    assert pinned.source == "edited" and "pc1" in pinned.detail and "holding mix" in pinned.detail
    assert np.allclose(pinned.z.numpy(), tool.edited_code.numpy())


def test_gan_unsupervised_and_predictor_directions(qtbot, session, tiny_run):
    from workbench.gui.panels.latent.directions_tool import DirectionsTool
    from workbench.latent.model import LatentSpace

    run = tiny_run("dcgan", data="digits", image_size=8, steps=4, latent_dim=6)
    tool = DirectionsTool(session)
    qtbot.addWidget(tool)
    tool.show()
    session.set_space(LatentSpace.from_run(run), run)
    qtbot.waitUntil(lambda: tool.data_info is not None, timeout=30_000)
    tool.method_combo.setCurrentIndex(tool.method_combo.findData("class-means"))
    assert not tool.task.button.isEnabled() and "no encoder" in tool.method_hint.text()

    compute(tool, qtbot, "sefa", components=2)
    compute(tool, qtbot, "ganspace", samples=100, components=2)
    assert [d.name for d in tool.directions] == ["sefa1", "sefa2", "ganspace1", "ganspace2"]

    tool.attribute_combo.setCurrentIndex(tool.attribute_combo.findData("class"))
    tool.positive_combo.setCurrentIndex(1)
    tool.negative_combo.setCurrentIndex(0)  # all other values
    tool.name_edit.setText("one")
    # A 4-step GAN draws the same blob for every code, so the predictor (trained here on the real digits) gives
    # every sample one class and no boundary exists: the tool says so plainly and saves nothing.
    tool.method_combo.setCurrentIndex(tool.method_combo.findData("predictor-logistic"))
    tool.samples_spin.setValue(200)
    tool.steps_spin.setValue(30)
    tool.task.button.click()
    qtbot.waitUntil(lambda: not tool.task.busy, timeout=60_000)
    message = tool.task.error_label.text()
    assert tool.task.error_label.isVisible() and "of 200 generated samples the predictor labels" in message
    assert "a boundary needs at least 2 of each" in message and tool.task.button.isEnabled()
    assert len(tool.directions) == 4 and tool.cosine.matrix.shape == (4, 4)
