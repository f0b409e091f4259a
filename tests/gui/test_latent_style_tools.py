"""The Latent tab's tools for style-based and attention GANs on tiny trained runs: the Style tool (mixing grid,
live truncation, noise resampling), the Z / W switch (pins mapped, interpolation in W, W's pins and directions
kept apart from z's), the Attention tool (the overlay follows the query) and the Class blend tool (end columns
are the classes' own images); each tool says which methods it needs for any other model."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QLabel

pytestmark = pytest.mark.usefixtures("one_torch_thread")
WAIT_MS = 60_000
LAPTOP_WIDTH = 1366


@pytest.fixture
def panel(latent_panel):
    return latent_panel


def load(panel, qtbot, run) -> None:
    panel.show_run(run)
    qtbot.waitUntil(lambda: panel.session.space is not None and not panel.session.loading, timeout=WAIT_MS)
    assert not panel.error_label.isVisible(), panel.error_label.text()


def show_tool(panel, title: str):
    tool = panel.tool(title)
    panel.tools.setCurrentWidget(tool)
    return tool


def tiny_stylegan(tiny_run):
    return tiny_run("stylegan", steps=2, w_dim=4, mapping_layers=2, r1_every=2)


def tiny_sagan(tiny_run, **settings):
    return tiny_run("sagan", image_size=16, steps=2, channels=4, class_embedding_dim=4, attention_at=8, **settings)


def test_style_tool_mixing_grid_live_truncation_and_noise(panel, qtbot, tiny_run):
    load(panel, qtbot, tiny_stylegan(tiny_run))
    tool = show_tool(panel, "Style")
    assert tool.body.isEnabled() and "Style mixing" in tool.banner.text()
    method = panel.session.base_space.method
    groups = method.layer_groups()
    texts = [tool.group_combo.itemText(i) for i in range(tool.group_combo.count())]
    assert [t.split(":")[0] for t in texts] == ["coarse", "middle", "fine"]
    start, end = groups["fine"]
    assert f"layers {start}–{end - 1}" in texts[2]
    # shown, the three views render by themselves
    qtbot.waitUntil(lambda: tool.mixing is not None and tool.truncation_shown is not None and tool.noise is not None,
                    timeout=WAIT_MS)

    # the mixing grid: rows = sources A, columns = sources B, with a header row and column of sources
    tool.rows_spin.setValue(2)
    tool.columns_spin.setValue(3)
    assert tool.seeds_a.text() == "101, 102" and tool.seeds_b.text() == "201, 202, 203"
    tool.group_combo.setCurrentIndex(2)
    qtbot.waitUntil(lambda: not tool.mix_task.busy and tool.mixing.group == "fine"
                    and tool.mixing.mixes.shape[:2] == (2, 3), timeout=WAIT_MS)
    assert tool.mixing.layers == groups["fine"]
    assert len(tool.mix_grid.image_labels) == 3 * 4 and tool.mix_grid.image_labels[0].pixmap().isNull()
    assert "fine" in tool.mix_caption.text()
    tool.seeds_b.setText("7, 9-10, 12")
    tool.seeds_b.editingFinished.emit()
    assert tool.columns_spin.value() == 4
    tool.mix_task.button.click()
    qtbot.waitUntil(lambda: not tool.mix_task.busy and tool.mixing.mixes.shape[:2] == (2, 4), timeout=WAIT_MS)

    # ψ: moving the slider re-renders the row; at ψ = 0 every seed is the mean image
    seeds = tuple(range(1, 6))
    assert tool.truncation_shown == (1.0, seeds) and len(tool.truncation_images) == 1 + len(seeds)
    at_one = tool.truncation_images.copy()
    tool.psi_slider.setValue(50)
    assert tool.psi_label.text() == "ψ = 0.50"
    qtbot.waitUntil(lambda: tool.truncation_shown[0] == 0.5, timeout=WAIT_MS)
    assert not np.array_equal(tool.truncation_images[1:], at_one[1:])
    assert np.array_equal(tool.truncation_images[0], at_one[0])  # the mean image stays
    tool.psi_slider.setValue(0)
    qtbot.waitUntil(lambda: tool.truncation_shown[0] == 0.0, timeout=WAIT_MS)
    for image in tool.truncation_images[1:]:
        assert np.abs(image.astype(int) - tool.truncation_images[0].astype(int)).max() <= 1

    # noise: one layer redrawn n times, and the std map after the images
    last = method.num_noise_layers - 1
    tool.noise_count.setValue(4)
    tool.noise_layer.setCurrentIndex(last)
    qtbot.waitUntil(lambda: not tool.noise_task.busy and tool.noise.layer == last and len(tool.noise.images) == 4,
                    timeout=WAIT_MS)
    assert len(tool.noise_grid.image_labels) == 5 and "finest" in tool.noise_layer.currentText()
    assert f"Noise {last} redrawn 4 times" in tool.noise_info.text()


def test_w_switch_maps_pins_interpolates_in_w_and_keeps_w_apart_from_z(panel, qtbot, tiny_run):
    import torch

    from workbench.latent.codes import load_codes

    run = tiny_stylegan(tiny_run)
    load(panel, qtbot, run)
    session, switch = panel.session, panel.space_switch
    assert switch.isVisibleTo(panel) and session.latent_kind == "z"
    panel.sources.pin_prior(3)
    panel.sources.pin_prior(4)
    z_pins = list(session.pins)
    z_images = [session.thumbnail(p) for p in z_pins]
    base = session.base_space

    switch.w_button.click()
    assert session.latent_kind == "w" and session.space is not base and session.run.latent_path.name == "w"
    assert session.space.latent_dim == base.method.w_dim
    assert "exploring W" in panel.title.text() and "mapping network" in panel.title.text()
    assert "mapping network" in panel.status_label.text()
    assert [p.name for p in session.pins] == [p.name for p in z_pins]
    for pin, z_pin, image in zip(session.pins, z_pins, z_images, strict=True):
        assert torch.allclose(pin.z, base.method.map_to_w(z_pin.z[None])[0])
        assert np.abs(session.thumbnail(pin).astype(int) - image.astype(int)).max() <= 1  # the same images

    # interpolation works in W: the strip starts and ends at the pinned images
    interpolation = show_tool(panel, "Interpolation")
    qtbot.waitUntil(lambda: len(interpolation.chosen()) == 2)
    interpolation.steps_spin.setValue(4)
    interpolation.interpolate_button.click()
    qtbot.waitUntil(lambda: interpolation.frames is not None, timeout=WAIT_MS)
    assert interpolation.codes.shape == (4, base.method.w_dim)
    assert np.abs(interpolation.frames_uint8[-1].astype(int) - z_images[1].astype(int)).max() <= 1

    # a code pinned in W is kept in latent/w/, never in the z pins' file, and waits for the next visit
    panel.sources.pin_prior(9)
    assert len(session.pins) == 3
    assert [p.name for p in load_codes(run)] == [p.name for p in z_pins]
    if session.autosave:
        qtbot.waitUntil(lambda: "seed 9" in [p.name for p in load_codes(session.run)], timeout=WAIT_MS)
    switch.z_button.click()
    assert session.latent_kind == "z" and session.space is base and session.run is run
    assert [p.name for p in session.pins] == [p.name for p in z_pins]
    assert all(torch.equal(p.z, q.z) for p, q in zip(session.pins, z_pins, strict=True))
    switch.w_button.click()
    assert [p.name for p in session.pins] == [*[p.name for p in z_pins], "seed 9"]

    # another run: back in z, and a model without W has no switch
    load(panel, qtbot, tiny_run("dcgan", steps=1))
    assert session.latent_kind == "z" and not switch.isVisibleTo(panel)


def test_attention_overlay_follows_the_query(panel, qtbot, tiny_run):
    load(panel, qtbot, tiny_sagan(tiny_run))
    tool = show_tool(panel, "Attention")
    assert tool.body.isEnabled() and tool.class_combo.isVisibleTo(tool) and tool.class_combo.count() == 11
    assert tool.query == (8, 8)
    qtbot.waitUntil(lambda: tool.shown is not None and len(tool.tiles) == 8, timeout=WAIT_MS)
    first = tool.heat.copy()
    assert first.shape == (8, 16, 16) and tool.images.shape[:3] == (8, 16, 16)
    assert tool.tiles[2].caption.text() == "seed 0 · #3 · class 2"  # one class per image
    before = tool.tiles[0].picture.pixmap().toImage()

    # a click on an image pixel makes it the query: the maps and the overlay change
    tile = tool.tiles[1]
    scale = tile.scale
    qtbot.mouseClick(tile.picture, Qt.MouseButton.LeftButton, pos=QPoint(1 * scale + 1, 2 * scale + 1))
    assert tool.query == (2, 1)
    qtbot.waitUntil(lambda: tool.shown["query"] == (2, 1), timeout=WAIT_MS)
    assert not np.allclose(tool.heat, first)
    assert tool.tiles[0].picture.pixmap().toImage() != before
    assert "row 2, column 1" in tool.info.text()

    # the spin boxes too; opacity 0 shows the plain images
    tool.query_row.setValue(15)
    tool.query_col.setValue(15)
    qtbot.waitUntil(lambda: tool.shown["query"] == (15, 15), timeout=WAIT_MS)
    tool.opacity.setValue(0)
    plain = tool.tiles[0].picture.pixmap().toImage()
    tool.opacity.setValue(100)
    assert tool.tiles[0].picture.pixmap().toImage() != plain

    # one class for all
    tool.class_combo.setCurrentIndex(tool.class_combo.findData(4))
    qtbot.waitUntil(lambda: tool.shown["labels"] == 4, timeout=WAIT_MS)
    assert tool.tiles[0].caption.text().endswith("· class 4")


def test_class_blend_end_columns_are_the_class_samples(panel, qtbot, tiny_run):
    import torch

    load(panel, qtbot, tiny_sagan(tiny_run))
    tool = show_tool(panel, "Class blend")
    assert tool.body.isEnabled() and tool.class_a.count() == 10
    qtbot.waitUntil(lambda: tool.result is not None, timeout=WAIT_MS)
    tool.rows.setValue(3)
    tool.steps.setValue(5)
    tool.first_seed.setValue(11)
    tool.class_a.setCurrentIndex(2)
    tool.class_b.setCurrentIndex(7)
    qtbot.waitUntil(lambda: not tool.task.busy and (tool.result.class_a, tool.result.class_b) == (2, 7)
                    and tool.result.images.shape[:2] == (3, 5), timeout=WAIT_MS)
    grid = tool.result
    assert grid.seeds == (11, 12, 13)
    space = panel.session.base_space
    codes = torch.cat([space.method.prior_sample(1, seed=s) for s in grid.seeds])
    assert torch.allclose(grid.images[:, 0], space.decode(codes, 2), atol=1e-5)
    assert torch.allclose(grid.images[:, -1], space.decode(codes, 7), atol=1e-5)
    assert len(tool.grid.image_labels) == 15

    def headers() -> list[str]:  # a layout shows the labels added to it on a queued call: wait for it
        return [w.text() for w in tool.grid.findChildren(QLabel) if w.text().startswith("<b>") and w.isVisibleTo(tool)]

    qtbot.waitUntil(lambda: len(headers()) == 5, timeout=WAIT_MS)
    assert headers()[0] == "<b>A: 2</b>" and headers()[-1] == "<b>B: 7</b>"
    assert "class leakage" in tool.leakage.text().lower()


def test_each_tool_says_which_methods_it_needs(window, qtbot, tiny_run):
    runs = {"dcgan": tiny_run("dcgan", steps=1), "stylegan": tiny_stylegan(tiny_run),
            "sagan": tiny_sagan(tiny_run, conditional="off")}
    window.runs_panel.refresh()
    panel = window.latent_panel
    window.tabs.setCurrentWidget(panel)
    assert panel.tool("Style").banner.text().startswith("Load a run of StyleGAN (stylegan).")
    assert panel.tool("Attention").banner.text().startswith("Load a run of SAGAN (sagan) with method.attention_at > 0")
    expected = {  # tool: methods it works for among these runs
        "Style": {"stylegan"}, "Attention": {"sagan"}, "Class blend": set(),
    }
    for method, run in runs.items():
        window.runs_panel.select_run(run.id)
        qtbot.waitUntil(lambda r=run: panel.session.space is not None and panel.session.loaded_run.id == r.id
                        and not panel.session.loading, timeout=WAIT_MS)
        for title, fits in expected.items():
            tool = panel.tool(title)
            panel.tools.setCurrentWidget(tool)
            assert tool.body.isEnabled() == (method in fits), (title, method)
            text = tool.banner.text()
            if method not in fits:
                needed = "StyleGAN (stylegan)" if title == "Style" else "SAGAN (sagan)"
                assert f"{title} needs" in text and needed in text and f"This {method} run has none" in text, text
        assert panel.space_switch.isVisibleTo(panel) == (method == "stylegan")
        if method == "stylegan":  # the switch and the title of W still fit a laptop's screen
            panel.space_switch.w_button.click()
            assert window.minimumSizeHint().width() <= LAPTOP_WIDTH
            panel.space_switch.z_button.click()
        qtbot.waitUntil(lambda: not panel.session.busy, timeout=WAIT_MS)
