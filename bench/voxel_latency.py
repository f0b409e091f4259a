"""Voxels tab latency: a latent change → its mesh ready for the view, and the time to draw it.

For grids of 32³ and 64³, a 3D-GAN generator at the app's default sizes (latent 200, 32 feature maps in G's last
hidden layer; `--g-channels 64` for the paper's width; untrained: timing does not depend on what the weights
learned, though the meshes do, see below) decodes `--moves` random codes. "Mesh ready" is measured two ways:

- core: `VoxelModel.decode` (generator forward, one torch thread) + `build_mesh` (flying edges + Taubin
  smoothing, or the cubes) in one thread;
- pane: the Voxels tab's `ShapeWorker` (the same work on its worker thread), from `submit` until the mesh is handed
  to the GUI thread's slot, i.e. including the thread hand-off; the target is ≤ 50 ms at 64³.

Drawing is measured separately in a real `pyvistaqt.QtInteractor` (the pane's `ShapeCanvas`, `--window` pixels),
anti-aliasing off (the default) and on (FXAA), naming the OpenGL renderer (`ReportCapabilities`). An untrained
generator's grids hover near 0.5 everywhere, so their surfaces are far busier than a trained model's; drawing is
therefore also measured on voxels3d training shapes (what a trained generator makes). Without a display the
script re-runs itself under `xvfb-run -a` (Mesa llvmpipe, software OpenGL), like the app under Xvfb.

    .venv/bin/python bench/voxel_latency.py [--moves 30] [--sizes 32 64] [--g-channels N] [--window 900x700]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import time

import numpy as np


def percentiles(values: list[float]) -> tuple[float, float]:
    array = np.asarray(values, dtype=float)
    return float(np.median(array)), float(np.percentile(array, 95))


def make_model(side: int, g_channels: int | None):  # noqa: ANN201 - a VoxelModel
    """The default 3D-GAN for `side`³ grids (G `g_channels` wide when given), untrained, as the pane sees it."""
    import torch

    from workbench.config import DataConfig, RunConfig, TrainConfig
    from workbench.data.dataset import DataInfo
    from workbench.data.voxel_shapes import CLASS_NAMES
    from workbench.methods.registry import build_method, method_settings_class
    from workbench.voxels.model import VoxelModel

    settings_class = method_settings_class("gan3d")
    settings = settings_class() if g_channels is None else settings_class(g_channels=g_channels)
    config = RunConfig(settings, DataConfig(name="voxels3d", image_size=side, channels=1),
                       TrainConfig(device="cpu"))
    info = DataInfo(name="voxels3d", size=2000, channels=1, image_size=side, class_names=CLASS_NAMES, kind="voxels")
    torch.manual_seed(0)
    return VoxelModel.from_method(build_method(config, info, torch.device("cpu")))


def training_shapes(side: int, n: int) -> np.ndarray:
    from workbench.data.voxel_shapes import render_shapes, sample_params

    labels = np.arange(n) % 7
    return render_shapes(labels, sample_params(labels, np.random.default_rng(1)), side).astype(np.float32)


def measure_core(model, codes: np.ndarray) -> dict[str, list[float]]:  # noqa: ANN001
    from workbench.compat import one_torch_thread
    from workbench.voxels.turntable import build_mesh

    times: dict[str, list[float]] = {"decode": [], "mesh": [], "total": [], "triangles": []}
    with one_torch_thread():
        model.decode(codes[:1])  # warm-up
        for z in codes:
            start = time.perf_counter()
            grid = model.decode(z[None])[0]
            decoded = time.perf_counter()
            mesh = build_mesh(grid, "surface", 0.5)
            done = time.perf_counter()
            times["decode"].append((decoded - start) * 1000)
            times["mesh"].append((done - decoded) * 1000)
            times["total"].append((done - start) * 1000)
            times["triangles"].append(mesh.n_cells)
    return times


def measure_shape_meshes(grids: np.ndarray) -> tuple[list[float], list[int]]:
    """Mesh time of real shapes (a trained generator's grids look like these, not like an untrained one's)."""
    from workbench.voxels.turntable import build_mesh

    build_mesh(grids[0], "surface", 0.5)
    times, cells = [], []
    for grid in grids:
        start = time.perf_counter()
        mesh = build_mesh(grid, "surface", 0.5)
        times.append((time.perf_counter() - start) * 1000)
        cells.append(mesh.n_cells)
    return times, cells


def measure_pane(app, model, codes: np.ndarray | None, grids: np.ndarray | None = None) -> list[float]:  # noqa: ANN001
    """Submit each code (or each ready grid, which skips the decode) to the pane's ShapeWorker and wait for its
    result in the GUI thread."""
    from workbench.gui.panels.voxels.shape_worker import ShapeRequest, ShapeWorker

    worker = ShapeWorker()
    worker.model = model
    arrived: list[float] = []
    worker.ready.connect(lambda _id, _result: arrived.append(time.perf_counter()))
    worker.failed.connect(lambda _id, message, _details: sys.exit(f"the worker failed: {message}"))
    requests = ([ShapeRequest(z=z, grid=None, threshold=0.5, style="surface") for z in codes] if grids is None
                else [ShapeRequest(z=None, grid=g, threshold=0.5, style="surface") for g in grids])
    latency = []
    for i, request in enumerate([requests[0], *requests]):  # the first one warms the worker thread up
        count = len(arrived)
        start = time.perf_counter()
        worker.submit(request)
        while len(arrived) == count:
            app.processEvents()
            time.sleep(0.0002)
        if i:
            latency.append((arrived[-1] - start) * 1000)
    worker.shutdown()
    return latency


def measure_render(canvas, meshes: list, style: str, anti_aliasing: bool,  # noqa: ANN001
                   repeats: int = 3) -> tuple[list[float], list[float]]:
    """(first draw of each new mesh, its upload included; redraws with the camera turned a little, as a drag does)."""
    canvas.set_anti_aliasing(anti_aliasing)
    first, again = [], []
    for mesh in meshes:
        first.append(canvas.show_mesh(mesh, style))
        for _ in range(repeats):
            canvas.plotter.camera.azimuth += 7
            again.append(canvas.render())
    return first, again


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--moves", type=int, default=30, help="random codes decoded per grid size")
    parser.add_argument("--sizes", type=int, nargs="+", default=[32, 64], choices=[16, 32, 64])
    parser.add_argument("--g-channels", type=int, default=None, help="G's last hidden feature maps (default: the "
                        "app's default, 32; the paper's is 64)")
    parser.add_argument("--window", default="900x700", help="the 3D view's size in pixels, WxH")
    parser.add_argument("--no-xvfb", action="store_true", help="do not re-run under xvfb-run without a display")
    args = parser.parse_args()

    if not os.environ.get("DISPLAY") and not args.no_xvfb and shutil.which("xvfb-run"):
        env = dict(os.environ, QT_QPA_PLATFORM="xcb")
        command = ["xvfb-run", "-a", "-s", "-screen 0 1600x1000x24", sys.executable, *sys.argv, "--no-xvfb"]
        sys.exit(subprocess.run(command, env=env).returncode)
    os.environ.setdefault("QT_QPA_PLATFORM", "xcb" if os.environ.get("DISPLAY") else "offscreen")

    from PySide6.QtWidgets import QApplication, QVBoxLayout, QWidget

    app = QApplication([])
    from workbench.gui.panels.voxels.canvas import ShapeCanvas
    from workbench.voxels.turntable import build_mesh, frame_camera, shape_radius

    width, height = (int(v) for v in args.window.lower().split("x"))
    window = QWidget()
    layout = QVBoxLayout(window)
    layout.setContentsMargins(0, 0, 0, 0)
    canvas = ShapeCanvas("bench-canvas", "")
    layout.addWidget(canvas)
    window.resize(width, height)
    window.show()
    app.processEvents()
    has_view = canvas.ensure()
    app.processEvents()
    renderer = canvas.renderer_name if has_view else f"none ({canvas.failure})"

    rows = []
    render_rows = []
    for side in args.sizes:
        model = make_model(side, args.g_channels)
        codes = model.prior(args.moves, seed=side)
        core = measure_core(model, codes)
        pane = measure_pane(app, model, codes)
        shapes = training_shapes(side, 14)
        pane_shapes = measure_pane(app, model, None, shapes)
        rows.append((side, core, pane, measure_shape_meshes(shapes), pane_shapes))
        if not has_view:
            continue
        generated = [build_mesh(g, "surface", 0.5) for g in model.decode(codes[:4])]
        shapes = shapes[:7]
        for label, grids_or_meshes, style in (
            ("generator (untrained)", generated, "surface"),
            ("voxels3d shapes", [build_mesh(g, "surface", 0.5) for g in shapes], "surface"),
            ("voxels3d shapes", [build_mesh(g, "cubes", 0.5) for g in shapes], "cubes"),
        ):
            frame_camera(canvas.plotter, shape_radius(grids_or_meshes, side))
            measure_render(canvas, grids_or_meshes[:1], style, False, repeats=1)  # warm-up
            off = measure_render(canvas, grids_or_meshes, style, False)
            on = measure_render(canvas, grids_or_meshes, style, True)
            canvas.set_anti_aliasing(False)
            size = int(np.median([m.n_cells for m in grids_or_meshes]))
            render_rows.append((side, label, style, size, off, on))

    load = ", ".join(f"{v:.1f}" for v in os.getloadavg())
    g_width = model.method.settings.g_channels
    print(f"\nVoxels tab latency: latent change → mesh ready ({args.moves} random codes per size; 3D-GAN with "
          f"g_channels {g_width}, untrained; one torch thread; load average {load}; {os.cpu_count()} CPUs)\n")
    print(f"{'grid':>5} | {'decode ms':>13} | {'mesh ms':>13} | {'core total ms':>13} | {'pane ms':>13} | "
          f"{'triangles':>9} || {'shape mesh ms':>13} | {'triangles':>9} | {'pane, shape':>13} | {'expected ms':>11}")
    print(f"{'':>5} | {'median / p95':>13} | {'median / p95':>13} | {'median / p95':>13} | {'median / p95':>13} | "
          f"{'':>9} || {'median / p95':>13} | {'':>9} | {'median / p95':>13} | {'median':>11}")
    for side, core, pane, (shape_mesh, shape_cells), pane_shapes in rows:
        cells = [percentiles(core["decode"]), percentiles(core["mesh"]), percentiles(core["total"]),
                 percentiles(pane)]
        text = " | ".join(f"{m:6.1f} / {p:5.1f}" for m, p in cells)
        shape_m, shape_p = percentiles(shape_mesh)
        pane_m, pane_p = percentiles(pane_shapes)
        expected = percentiles(core["decode"])[0] + pane_m
        print(f"{side:>4}³ | {text} | {int(np.median(core['triangles'])):>9,} || {shape_m:6.1f} / {shape_p:5.1f} | "
              f"{int(np.median(shape_cells)):>9,} | {pane_m:6.1f} / {pane_p:5.1f} | {expected:>11.1f}")
    print("\ncore: decode + mesh in one thread; pane: ShapeWorker submit → mesh handed to the GUI thread (the same "
          "work plus the thread hand-off).\nAn untrained generator's grids hover near 0.5 everywhere, a worst case for "
          "the contour; 'shape mesh' meshes voxels3d training shapes\n(what a trained generator makes), 'pane, shape' "
          "hands those grids to the ShapeWorker (mesh + hand-off, no decode), and 'expected' = decode + pane, shape:\n"
          "the latency of a latent change with a trained model. Target: ≤ 50 ms at 64³.")

    print(f"\nDrawing in a QtInteractor {width}×{height}, OpenGL renderer: {renderer}")
    if render_rows:
        print("new mesh: the first draw after the mesh changed (upload included); turn: a redraw with the camera "
              "moved (a drag)")
        print(f"{'grid':>5} | {'what':<22} | {'style':<7} | {'cells':>7} | {'AA off: new mesh':>16} | "
              f"{'AA off: turn':>13} | {'FXAA: new mesh':>14} | {'FXAA: turn':>13}")
        print(f"{'':>5} | {'':<22} | {'':<7} | {'':>7} | {'median / p95':>16} | {'median / p95':>13} | "
              f"{'median / p95':>14} | {'median / p95':>13}")
        for side, label, style, size, off, on in render_rows:
            cells = [percentiles(off[0]), percentiles(off[1]), percentiles(on[0]), percentiles(on[1])]
            text = " | ".join(f"{m:{w - 8}.1f} / {p:5.1f}" for (m, p), w in zip(cells, (16, 13, 14, 13), strict=True))
            print(f"{side:>4}³ | {label:<22} | {style:<7} | {size:>7,} | {text}")
    else:
        print("(no OpenGL view here: run under a display or xvfb-run)")
    canvas.close_view()


if __name__ == "__main__":
    main()
