"""The live system strip (CPU of the process and the machine, process memory; GPU curves only once this process
uses CUDA) and the application icon."""

from __future__ import annotations

import os
import statistics
import sys
import time

import psutil
import pytest
from PySide6.QtCore import QSize
from PySide6.QtWidgets import QApplication

from workbench.gui.icon import RESOURCES, app_icon
from workbench.gui.widgets.system_strip import HISTORY, SystemStrip, format_bytes

PNG_SIZES = (16, 24, 32, 48, 64, 128, 256)


def test_strip_reads_this_process_and_the_machine(qtbot):
    strip = SystemStrip(interval_ms=50)
    qtbot.addWidget(strip)
    strip.show()
    busy_until = time.process_time() + 0.3
    while time.process_time() < busy_until:  # some CPU for the process curve
        sum(range(1000))
    qtbot.waitUntil(lambda: len(strip.cpu.series[0]) >= 4)
    sample = strip.latest
    assert sample.rss == pytest.approx(psutil.Process(os.getpid()).memory_info().rss, rel=0.5)
    assert 0 <= sample.cpu_process <= 100 and 0 <= sample.cpu_machine <= 100
    assert max(strip.cpu.series[0]) > 0, "the busy loop shows on the process curve"
    assert strip.cpu.text.startswith("CPU ") and strip.memory.text == f"RAM {format_bytes(sample.rss)}"
    assert "this process" in strip.cpu.toolTip() and "whole machine" in strip.cpu.toolTip()
    for _ in range(HISTORY + 5):
        strip.update_now()
    assert len(strip.memory.series[0]) == HISTORY, "a minute of history, no more"
    strip.grab()  # paints


def test_gpu_curves_only_once_this_process_uses_cuda(qtbot):
    strip = SystemStrip()
    qtbot.addWidget(strip)
    strip.show()
    torch = sys.modules.get("torch")
    using_cuda = torch is not None and torch.cuda.is_available() and torch.cuda.is_initialized()
    strip.update_now()
    assert strip.gpu_memory.isVisible() == using_cuda
    assert (strip.latest.gpu_allocated is not None) == using_cuda
    if not using_cuda:
        assert not strip.gpu_utilisation.isVisible()


def test_one_update_costs_little(qtbot):
    """Measured, not asserted against a clock (the machine is shared): printed for the README."""
    strip = SystemStrip()
    qtbot.addWidget(strip)
    strip.show()
    costs = []
    for _ in range(50):
        strip.update_now()
        started = time.perf_counter()
        strip.grab()  # paints every curve into a pixmap: an upper bound of the on-screen repaint
        costs.append((strip.last_cost_s, time.perf_counter() - started))
    sample = statistics.median(c for c, _ in costs)
    paint = statistics.median(p for _, p in costs)
    print(
        f"system strip: one sample {sample * 1e6:.0f} µs, "
        f"one paint of the curves {paint * 1e6:.0f} µs (medians of 50)"
    )
    assert strip.last_cost_s > 0


def test_the_window_shows_the_strip_and_can_hide_it(window):
    assert window.system_strip.isVisible()
    window.menus.actions["system-strip"].setChecked(False)
    assert not window.system_strip.isVisible()
    window.menus.actions["system-strip"].setChecked(True)
    assert window.system_strip.isVisible()


def test_icon_files_and_window_icon(window):
    assert (RESOURCES / "workbench.svg").read_text().lstrip().startswith("<?xml")
    for size in PNG_SIZES:
        assert (RESOURCES / f"workbench-{size}.png").stat().st_size > 100
    icon = app_icon()
    assert not icon.isNull()
    sizes = {(s.width(), s.height()) for s in icon.availableSizes()}
    assert {(s, s) for s in PNG_SIZES} <= sizes
    assert not window.windowIcon().isNull()
    assert icon.pixmap(QSize(32, 32)).toImage().pixelColor(16, 16).alpha() == 255, "opaque in the middle"


def test_the_render_script_makes_every_size_from_the_svg(tmp_path):
    sys.path.insert(0, str(RESOURCES.parent.parent / "scripts"))
    try:
        from render_icons import render
    finally:
        sys.path.pop(0)
    written = render(out_dir=tmp_path)
    assert [p.name for p in written] == [f"workbench-{s}.png" for s in PNG_SIZES]
    from PySide6.QtGui import QImage

    for path, size in zip(written, PNG_SIZES, strict=True):
        image = QImage(str(path))
        assert (image.width(), image.height()) == (size, size)
        assert image.pixelColor(0, 0).alpha() == 0, "transparent rounded corners"
    assert QApplication.instance() is not None
