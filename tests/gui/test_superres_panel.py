"""The Super-resolution pane on tiny trained runs: pickers, opening and dropping images, views and their metrics,
synchronised zoom and pan, pixel-exact zoom, export, and the errors it shows instead of failing."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from PIL import Image
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent, QMouseEvent, QWheelEvent
from PySide6.QtWidgets import QApplication

LOAD_TIMEOUT = 60_000
TINY = {"data": "sr-photos", "image_size": 16, "steps": 2, "batch_size": 2, "residual_blocks": 1}


@pytest.fixture
def panel(qtbot, workspace, monkeypatch):
    from workbench.gui.panels.superres import panel as superres_panel
    from workbench.gui.panels.superres.panel import SuperresPanel

    monkeypatch.setattr(superres_panel, "EXAMPLE_SIZE", 16)  # tiny held-out crops: a fast first show
    widget = SuperresPanel(workspace)
    qtbot.addWidget(widget)
    widget.resize(1300, 850)
    return widget


@pytest.fixture
def photo_file(tmp_path):
    y, x = np.mgrid[0:30, 0:41]
    image = np.stack([128 + 100 * np.sin(x / 3), 128 + 100 * np.cos(y / 4), 60 + x * 3], axis=2).astype(np.uint8)
    path = tmp_path / "photo.png"
    Image.fromarray(image).save(path)
    return path


def wait_for(panel, qtbot, source: str) -> None:
    qtbot.waitUntil(lambda: not panel.session.busy and panel.session.comparison is not None
                    and panel.session.comparison.source == source, timeout=LOAD_TIMEOUT)


def views(panel):
    return [card.view for card in panel.grid.cards]


def test_convention_and_placeholder_without_runs(panel, qtbot):
    from workbench.gui.panels.superres.panel import CONVENTION_TEMPLATE
    from workbench.superres.metrics import CONVENTION

    assert CONVENTION_TEMPLATE == CONVENTION  # the pane states the core's convention before the core is loaded
    panel.show()
    assert panel.stack.currentWidget() is panel.placeholder and "No image yet" in panel.placeholder.text()
    assert panel.model_a.count() == 1 and panel.model_a.currentText() == "none"
    assert "No srresnet or srgan runs" in panel.info_a.text()
    assert panel.convention_label.text().startswith("PSNR / SSIM on RGB")
    assert not panel.export_button.isEnabled()
    panel.show_error("a model failed to load")  # e.g. while the held-out crops are still being read
    qtbot.waitUntil(lambda: panel.examples.count() > 0, timeout=LOAD_TIMEOUT)  # held-out crops, opened as HR
    qtbot.waitUntil(lambda: panel.session.comparison is not None and not panel.session.busy, timeout=LOAD_TIMEOUT)
    # the first crop is chosen for the user: the error they have not dismissed stays
    assert panel.error_label.isVisible() and "a model failed to load" in panel.error_label.text()
    comparison = panel.session.comparison
    assert comparison.source.startswith("sr-photos test #") and comparison.scale == 4  # bicubic only, no model
    assert [c.objectName() for c in panel.grid.cards] == ["sr-card-lr", "sr-card-bicubic", "sr-card-hr"]
    panel.next_button.click()
    wait_for(panel, qtbot, panel.session.examples[1][0])


def test_upscale_compare_zoom_pan_and_export(panel, qtbot, tiny_run, photo_file, tmp_path):
    run = tiny_run("srresnet", data_options={"scale": 2}, **TINY)
    panel.show_run(run)  # hidden: chosen now, loaded when shown
    assert panel.model_a.currentData() == str(run.path) and not panel.session.models
    panel.show()
    assert panel.open_file(photo_file)
    wait_for(panel, qtbot, "photo.png")
    assert not panel.error_label.isVisible(), panel.error_label.text()
    assert panel.model_a.currentText() == "SRResNet · tiny-srresnet · ×2 · step 2"
    assert "loaded" in panel.info_a.text() and "1 residual block × 8 features" in panel.info_a.text()

    # the views: LR (nearest), bicubic, the model, HR, all at the (cropped) HR size, with metrics under them
    cards = panel.grid.cards
    assert [c.objectName() for c in cards] == ["sr-card-lr", "sr-card-bicubic", "sr-card-model-2", "sr-card-hr"]
    assert "SRResNet (tiny-srresnet)" in cards[2].title.text()
    for card in cards[:3]:
        assert "PSNR" in card.metrics.text() and "SSIM" in card.metrics.text() and card.isVisible()
        assert card.view.image_size() == (40, 30)
    assert "reference" in cards[3].metrics.text()
    assert "2-pixel border cropped" in panel.convention_label.text()
    assert "HR 40×30" in panel.source_label.text() and "cropped from 41×30" in panel.source_label.text()
    bicubic = panel.session.comparison.view("bicubic")
    assert f"{bicubic.psnr:.2f} dB" in cards[1].metrics.text()

    # wheel on one view zooms every view alike, in powers of two
    first = views(panel)[1]
    fitted = first.zoom()
    for _ in range(3):
        wheel(first, 120)
    zooms = {v.zoom() for v in views(panel)}
    assert len(zooms) == 1 and zooms.pop() > fitted
    assert all(v.transform() == first.transform() for v in views(panel))
    assert not panel.sync.fitted and float(first.zoom()).is_integer()

    # a drag in one view pans every view to the same scene position
    panel.zoom_buttons[8].click()
    panel.zoom_in_button.click()  # 16×: 640 × 480 px of image in views about 300 px wide
    assert first.zoom() == 16.0 and first.horizontalScrollBar().maximum() > 0
    before = first.scroll_position()
    other = views(panel)[2]
    drag(other, QPoint(120, 100), QPoint(60, 70))
    positions = {v.scroll_position() for v in views(panel)}
    assert len(positions) == 1 and positions.pop() != before
    top_left = {(round(v.mapToScene(0, 0).x(), 3), round(v.mapToScene(0, 0).y(), 3)) for v in views(panel)}
    assert len(top_left) == 1  # the same image pixel at the top left of every view

    # 1:1 is pixel-exact: an integer scale in every view; fit shows the whole image again
    panel.one_button.click()
    assert all(v.transform().m11() == 1.0 == v.transform().m22() for v in views(panel))
    assert "1×" in panel.zoom_label.text() and "pixel-exact" in panel.zoom_label.text()
    panel.zoom_in_button.click()
    assert all(v.zoom() == 2.0 for v in views(panel))
    panel.fit_button.click()
    assert panel.sync.fitted and "fit" in panel.zoom_label.text()

    # export: the comparison as one PNG
    written = panel.export_comparison(tmp_path / "comparison.png")
    assert written is not None and written.exists() and "Wrote" in panel.status_label.text()
    with Image.open(written) as png:
        assert png.size[0] > 4 * 40 and png.size[1] > 30

    # treated as low-resolution: the upscaled views only, no metrics
    panel.as_lr_box.setChecked(True)
    qtbot.waitUntil(lambda: not panel.session.busy and panel.session.comparison is not None
                    and not panel.session.comparison.has_hr, timeout=LOAD_TIMEOUT)
    assert len(panel.grid.cards) == 3 and views(panel)[0].image_size() == (82, 60)
    assert all("no HR" in card.metrics.text() for card in panel.grid.cards)

    # a corrupt file: the red error label, the previous comparison stays
    broken = tmp_path / "broken.png"
    broken.write_bytes(b"\x89PNG\r\n broken")
    assert not panel.open_file(broken)
    assert panel.error_label.isVisible() and "broken.png" in panel.error_label.text()
    assert panel.session.comparison is not None

    # a dropped image is opened
    dropped = tmp_path / "dropped.png"
    Image.fromarray(np.full((20, 24, 3), 90, np.uint8)).save(dropped)
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(dropped))])
    panel.dropEvent(QDropEvent(QPointF(10, 10), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                               Qt.KeyboardModifier.NoModifier))
    wait_for(panel, qtbot, "dropped.png")
    assert not panel.error_label.isVisible()


def test_two_models_and_their_scales(panel, qtbot, tiny_run, photo_file):
    srresnet = tiny_run("srresnet", data_options={"scale": 2}, **TINY)
    srgan = tiny_run("srgan", name="tiny-srgan", data_options={"scale": 2}, **TINY)
    srgan_x4 = tiny_run("srgan", name="tiny-srgan-x4", data_options={"scale": 4}, **TINY)
    panel.show()
    panel.refresh_button.click()
    assert panel.model_a.count() == 4  # none + three runs
    panel.show_run(srresnet)
    panel.show_run(srgan)  # an SRGAN run goes to model B
    assert panel.model_b.currentData() == str(srgan.path)
    panel.open_file(photo_file)
    wait_for(panel, qtbot, "photo.png")
    titles = [card.title.text() for card in panel.grid.cards]
    assert len(titles) == 5 and "SRResNet (tiny-srresnet)" in titles[2] and "SRGAN (tiny-srgan)" in titles[3]

    # a ×4 model beside a ×2 one: refused with a clear message, model A alone is shown
    panel.model_b.setCurrentIndex(panel.model_b.findData(str(srgan_x4.path)))
    qtbot.waitUntil(lambda: not panel.session.busy and panel.error_label.isVisible(), timeout=LOAD_TIMEOUT)
    assert "different scales" in panel.error_label.text()
    qtbot.waitUntil(lambda: len(panel.grid.cards) == 4, timeout=LOAD_TIMEOUT)
    assert "SRResNet" in panel.grid.cards[2].title.text()


def test_runs_that_cannot_upscale_are_explained(panel, qtbot, tiny_run, workspace):
    import dataclasses

    vae = tiny_run("vae", steps=2)
    broken = tiny_run("srresnet", name="broken-sr", data_options={"scale": 2}, **TINY)
    config = broken.config  # the stored checkpoint no longer fits the configured networks
    broken.write(dataclasses.replace(config, method=dataclasses.replace(config.method, channels=16)), broken.info())
    panel.show()
    panel.show_run(vae)
    assert "not super-resolution" in panel.status_label.text()
    panel.show_run(broken)
    qtbot.waitUntil(lambda: not panel.session.busy and panel.error_label.isVisible(), timeout=LOAD_TIMEOUT)
    assert "cannot load run broken-sr: step" in panel.error_label.text()
    assert "method.channels" in panel.error_label.text()
    assert "could not load" in panel.info_a.text()

    # a run whose only checkpoint is damaged is greyed out in the picker, named with the damage, and not picked
    from workbench.runs.checkpoint_files import checkpoint_files
    from workbench.training.checkpoints import save_checkpoint

    damaged = workspace.create_run(broken.config, name="damaged-sr")
    save_checkpoint(damaged.checkpoints_dir, 2, {"w": torch.zeros(3), "step": 2})
    checkpoint_files(damaged.checkpoints_dir, 2).meta.write_text("{")
    picked = panel.model_a.currentData()
    panel.show_run(damaged)
    index = panel.model_a.findData(str(damaged.path))
    assert not panel.model_a.model().item(index).isEnabled()
    assert "no complete checkpoint (1 damaged)" in panel.model_a.itemText(index)
    assert panel.model_a.currentData() == picked and not panel.session.busy
    assert "damaged-sr has no complete checkpoint: step 2: metadata 0000000002.json unreadable" in \
        panel.error_label.text()


def wheel(view, delta: int) -> None:
    position = QPointF(view.viewport().rect().center())
    event = QWheelEvent(position, QPointF(view.viewport().mapToGlobal(position.toPoint())), QPoint(0, 0),
                        QPoint(0, delta), Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier,
                        Qt.ScrollPhase.NoScrollPhase, False)
    QApplication.sendEvent(view.viewport(), event)


def drag(view, start: QPoint, end: QPoint) -> None:
    port = view.viewport()

    def send(kind, point: QPoint, buttons) -> None:  # noqa: ANN001
        local = QPointF(point)
        event = QMouseEvent(kind, local, QPointF(port.mapToGlobal(point)), Qt.MouseButton.LeftButton, buttons,
                            Qt.KeyboardModifier.NoModifier)
        QApplication.sendEvent(port, event)

    send(QMouseEvent.Type.MouseButtonPress, start, Qt.MouseButton.LeftButton)
    middle = QPoint((start.x() + end.x()) // 2, (start.y() + end.y()) // 2)
    for point in (middle, end):
        send(QMouseEvent.Type.MouseMove, point, Qt.MouseButton.LeftButton)
    send(QMouseEvent.Type.MouseButtonRelease, end, Qt.MouseButton.NoButton)
