"""Meshing voxel grids: VTK's flying edges (pyvista `contour(method="flying_edges")`) against scikit-image's
marching cubes on the same grids, with the Taubin smoothing the Voxels tab adds and the cubes view for scale.

The grids are voxels3d training shapes (the dataset's own shape table: the first `--shapes` rows, every class),
at 32³ and 64³. Both contour methods get the same padded grid and the same iso-level (0.5) and give practically
the same surface (triangle counts printed: equal medians, a few ambiguous cells resolved differently); the times
are the contour alone (scikit-image's includes building the pv.PolyData from its vertices and faces), one
thread, median and p95 over the shapes after one warm-up.

    .venv/bin/python bench/voxel_meshing.py [--shapes 35] [--sizes 32 64]
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np


def timed(function, grids: np.ndarray) -> tuple[list[float], list[int]]:  # noqa: ANN001
    function(grids[0])  # warm-up (first filter call builds VTK's pipeline objects)
    times, cells = [], []
    for grid in grids:
        start = time.perf_counter()
        mesh = function(grid)
        times.append((time.perf_counter() - start) * 1000)
        cells.append(mesh.n_cells)
    return times, cells


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--shapes", type=int, default=35, help="voxels3d shapes per grid size")
    parser.add_argument("--sizes", type=int, nargs="+", default=[32, 64])
    args = parser.parse_args()

    from workbench.data.voxel_shapes import render_shapes
    from workbench.data.voxels3d import shape_table
    from workbench.voxels.meshing import cube_mesh, surface_mesh

    labels, params = shape_table("train")
    labels, params = labels[: args.shapes], params[: args.shapes]
    methods = (
        ("flying edges (VTK)", lambda g: surface_mesh(g, 0.5, method="flying_edges", smoothing=0)),
        ("marching cubes (scikit-image)", lambda g: surface_mesh(g, 0.5, method="marching_cubes", smoothing=0)),
        ("flying edges + Taubin (pane)", lambda g: surface_mesh(g, 0.5, method="flying_edges")),
        ("cubes (extract_cells)", lambda g: cube_mesh(g, 0.5)),
    )
    rows = []
    for size in args.sizes:
        grids = render_shapes(labels, params, size).astype(np.float32)
        for name, function in methods:
            times, cells = timed(function, grids)
            rows.append((size, name, np.median(times), np.percentile(times, 95), int(np.median(cells)),
                         int(np.min(cells)), int(np.max(cells))))

    load = ", ".join(f"{v:.1f}" for v in os.getloadavg())
    print(f"\nMeshing {args.shapes} voxels3d shapes per size (load average {load}; {os.cpu_count()} CPUs)\n")
    print(f"{'grid':>5} | {'method':<30} | {'median ms':>9} | {'p95 ms':>7} | {'cells (median, min–max)':>26}")
    for size, name, median, p95, cells, low, high in rows:
        what = "cubes" if name.startswith("cubes") else "triangles"
        print(f"{size:>4}³ | {name:<30} | {median:>9.1f} | {p95:>7.1f} | {cells:>9,} {what:<9} "
              f"({low:,}–{high:,})")


if __name__ == "__main__":
    main()
