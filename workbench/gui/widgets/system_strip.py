"""A live system strip for the status bar: small curves of the last minute of CPU use (this process and the whole
machine), this process's memory (RSS) and, once this process uses CUDA, its GPU memory and the GPU's utilisation.

One sample a second, read in the GUI thread: psutil answers from /proc in tens of microseconds, torch's CUDA
counters are host-side reads (no device synchronisation), and the curves are a few dozen line segments painted
in a widget the size of a status bar label; `SystemStrip.last_cost_s` is what the latest update cost.
The GPU is asked only when torch is already imported and has initialised CUDA in this process, so that the strip
never imports torch nor creates a CUDA context (hundreds of MB of GPU memory) on a machine that trains on the CPU;
the GPU curves are hidden until then.
"""

from __future__ import annotations

import os
import sys
import time
from collections import deque
from dataclasses import dataclass

from PySide6.QtCore import QPointF, QRectF, QSize, Qt, QTimer
from PySide6.QtGui import QColor, QPainter, QPaintEvent, QPen, QPolygonF
from PySide6.QtWidgets import QHBoxLayout, QSizePolicy, QWidget

INTERVAL_MS = 1000
HISTORY = 60  # samples kept: one minute


def format_bytes(count: float) -> str:
    for unit, size in (("GB", 1 << 30), ("MB", 1 << 20), ("kB", 1 << 10)):
        if count >= size:
            value = count / size
            return f"{value:.1f} {unit}" if value < 10 else f"{value:.0f} {unit}"
    return f"{count:.0f} B"


@dataclass(frozen=True)
class SystemSample:
    cpu_process: float  # % of the whole machine (all cores) used by this process
    cpu_machine: float  # % of the whole machine in use
    rss: int  # bytes of this process's resident memory
    memory_machine: float  # % of the machine's memory in use
    gpu_allocated: int | None = None  # bytes of tensors this process holds on the GPU (None: no CUDA in use)
    gpu_reserved: int | None = None  # bytes torch's caching allocator holds
    gpu_used: int | None = None  # bytes in use on the device, all processes
    gpu_total: int | None = None
    gpu_utilisation: float | None = None  # % of time a kernel ran (None: not available without NVML)


class SystemSampler:
    """Reads one `SystemSample`; the first CPU figures are 0 (psutil measures between two calls)."""

    def __init__(self) -> None:
        import psutil

        self._psutil = psutil
        self.process = psutil.Process()
        self.cores = psutil.cpu_count() or 1
        self.process.cpu_percent(None)
        psutil.cpu_percent(None)
        self._utilisation_works = True  # torch.cuda.utilization needs NVML (pynvml); asked once

    def sample(self) -> SystemSample:
        psutil = self._psutil
        with self.process.oneshot():
            cpu = self.process.cpu_percent(None) / self.cores
            rss = self.process.memory_info().rss
        base = SystemSample(cpu_process=min(cpu, 100.0), cpu_machine=psutil.cpu_percent(None), rss=rss,
                            memory_machine=psutil.virtual_memory().percent)
        gpu = self._gpu()
        return base if gpu is None else SystemSample(base.cpu_process, base.cpu_machine, base.rss,
                                                     base.memory_machine, *gpu)

    def _gpu(self) -> tuple | None:
        """(allocated, reserved, used, total, utilisation) once this process uses CUDA, else None."""
        torch = sys.modules.get("torch")
        cuda = getattr(torch, "cuda", None) if torch is not None else None
        try:
            if cuda is None or not cuda.is_initialized():
                return None
            free, total = cuda.mem_get_info()
            utilisation = None
            if self._utilisation_works:
                try:
                    utilisation = float(cuda.utilization())
                except Exception:  # no pynvml / amdsmi: memory only
                    self._utilisation_works = False
            return cuda.memory_allocated(), cuda.memory_reserved(), total - free, total, utilisation
        except Exception:  # torch half-imported by the warm-up thread, or a driver hiccup: try again next time
            return None


class Sparkline(QWidget):
    """A labelled mini chart: one or two curves over the last minute, the latest value written over them."""

    def __init__(self, name: str, colours: tuple[str, ...], maximum: float | None = None, width: int = 116,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(f"system-{name}")
        self.series: list[deque[float]] = [deque(maxlen=HISTORY) for _ in colours]
        self.colours = [QColor(c) for c in colours]
        self.maximum = maximum  # a fixed top (100 for percentages), else the largest value shown
        self.text = ""
        self._width = width
        self.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt override
        return QSize(self._width, max(18, self.fontMetrics().height() + 4))

    def minimumSizeHint(self) -> QSize:  # noqa: N802 - Qt override
        return self.sizeHint()

    def add(self, values: tuple[float, ...], text: str, tip: str) -> None:
        for series, value in zip(self.series, values, strict=True):
            series.append(float(value))
        self.text = text
        self.setToolTip(tip)
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 - Qt override
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        rect = QRectF(self.rect()).adjusted(0.5, 0.5, -0.5, -0.5)
        painter.setPen(QPen(self.palette().mid().color(), 1))
        painter.setBrush(self.palette().base())
        painter.drawRoundedRect(rect, 3, 3)
        top = self.maximum or max((max(s) for s in self.series if s), default=1.0) * 1.15 or 1.0
        inner = rect.adjusted(2, 3, -2, -2)
        step = inner.width() / (HISTORY - 1)
        for series, colour in zip(reversed(self.series), reversed(self.colours), strict=True):
            if len(series) < 2:
                continue
            x0 = inner.right() - (len(series) - 1) * step
            points = [QPointF(x0 + i * step, inner.bottom() - min(v / top, 1.0) * inner.height())
                      for i, v in enumerate(series)]
            fill = QColor(colour)
            fill.setAlpha(45)
            area = QPolygonF([QPointF(points[0].x(), inner.bottom()), *points, QPointF(points[-1].x(), inner.bottom())])
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(fill)
            painter.drawPolygon(area)
            painter.setPen(QPen(colour, 1.3))
            painter.drawPolyline(QPolygonF(points))
        painter.setPen(self.palette().text().color())
        painter.drawText(rect.adjusted(4, 0, -3, 0), Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft,
                         self.text)
        painter.end()


class SystemStrip(QWidget):
    """CPU, memory and (with CUDA in use) GPU curves, sampled once a second while shown."""

    def __init__(self, parent: QWidget | None = None, interval_ms: int = INTERVAL_MS) -> None:
        super().__init__(parent)
        self.setObjectName("system-strip")
        self.sampler = SystemSampler()
        self.cpu = Sparkline("cpu", ("#1f77b4", "#b0b0b0"), maximum=100.0, width=128)
        self.memory = Sparkline("memory", ("#2ca02c",))
        self.gpu_memory = Sparkline("gpu-memory", ("#9467bd",))
        self.gpu_utilisation = Sparkline("gpu-utilisation", ("#d62728",), maximum=100.0, width=84)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        for line in (self.cpu, self.memory, self.gpu_memory, self.gpu_utilisation):
            layout.addWidget(line)
        self.gpu_memory.hide()
        self.gpu_utilisation.hide()
        self.latest: SystemSample | None = None
        self.last_cost_s = 0.0  # what the latest update cost (sampling and scheduling the repaint)
        self._timer = QTimer(self)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self.update_now)
        self.update_now()

    def showEvent(self, event) -> None:  # noqa: ANN001, N802 - Qt override
        self._timer.start()
        super().showEvent(event)

    def hideEvent(self, event) -> None:  # noqa: ANN001, N802 - Qt override: nothing to sample while hidden
        self._timer.stop()
        super().hideEvent(event)

    def update_now(self) -> SystemSample:
        started = time.perf_counter()
        s = self.sampler.sample()
        self.latest = s
        cores = self.sampler.cores
        self.cpu.add((s.cpu_process, s.cpu_machine), f"CPU {s.cpu_process:.0f}% · {s.cpu_machine:.0f}%",
                     f"CPU, last minute. Blue: this process, {s.cpu_process:.0f}% of the machine's {cores} cores "
                     f"({s.cpu_process * cores / 100:.1f} cores busy). Grey: the whole machine, "
                     f"{s.cpu_machine:.0f}%.")
        self.memory.add((s.rss,), f"RAM {format_bytes(s.rss)}",
                        f"Memory of this process (resident): {format_bytes(s.rss)}; the machine's memory is "
                        f"{s.memory_machine:.0f}% in use (pid {os.getpid()}).")
        gpu = s.gpu_allocated is not None
        self.gpu_memory.setVisible(gpu)
        self.gpu_utilisation.setVisible(gpu and s.gpu_utilisation is not None)
        if gpu:
            self.gpu_memory.maximum = float(s.gpu_total or 0) or None
            self.gpu_memory.add((s.gpu_reserved,), f"GPU {format_bytes(s.gpu_allocated)}",
                                f"GPU memory: tensors of this process {format_bytes(s.gpu_allocated)}, held by "
                                f"torch's allocator {format_bytes(s.gpu_reserved)}; the device has "
                                f"{format_bytes(s.gpu_used)} of {format_bytes(s.gpu_total)} in use.")
            if s.gpu_utilisation is not None:
                self.gpu_utilisation.add((s.gpu_utilisation,), f"GPU {s.gpu_utilisation:.0f}%",
                                         "GPU utilisation: the share of the last sample period a kernel ran.")
        self.last_cost_s = time.perf_counter() - started
        return s
