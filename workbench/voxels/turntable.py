"""Animations of voxel shapes rendered off-screen: a turntable around one shape, or the frames of a latent
interpolation, written as GIF, MP4 or a PNG strip.

One off-screen pyvista Plotter (`OffscreenScene`) is built per export and reused for every frame; multi-sampling
is off (software rendering is 2.3–2.6× faster without it, and the frames are small). The camera frames the sphere
that holds every frame's shape, so an interpolation does not zoom in and out as the shape changes.
The look (colours, shading, the camera's direction and up axis) is shared with the Voxels tab's viewer through
`add_shape` and `frame_camera`, so an exported animation looks like the view it came from.

GIF and MP4 writing is the latent explorer's (`workbench.latent.export`): crash-safe files, H.264 in yuv420p
through imageio-ffmpeg's bundled ffmpeg. pyvista is imported inside the functions.
"""

from __future__ import annotations

import io
import math
import os
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from workbench.voxels.errors import VoxelError
from workbench.voxels.meshing import DEFAULT_SMOOTHING, as_grid, cube_mesh, surface_mesh

ANIMATION_SUFFIXES = (".gif", ".mp4")
STRIP_SUFFIXES = (".png",)
SHAPE_COLOR = "#8fb3d9"
CUBE_EDGE_COLOR = "#5d7fa3"
BACKGROUND = "#f4f5f7"
UP = (0.0, 1.0, 0.0)  # y: towards index 0 of the grid's H axis (see workbench.voxels.meshing)
VIEW_DIRECTION = (1.0, 0.75, 1.6)  # from the focal point towards the camera: a three-quarter view from above
STRIP_GAP = 4  # px between the frames of a PNG strip


def build_mesh(grid: Any, style: str, threshold: float, method: str = "flying_edges",
               smoothing: int = DEFAULT_SMOOTHING) -> Any:
    """The mesh the viewer and the animations show for `style` "surface" or "cubes"."""
    if style == "cubes":
        return cube_mesh(grid, threshold)
    if style == "surface":
        return surface_mesh(grid, threshold, method=method, smoothing=smoothing)
    raise VoxelError(f"style must be 'surface' or 'cubes'; got {style!r}")


def add_shape(plotter: Any, mesh: Any, style: str, name: str = "shape") -> Any:
    """Add `mesh` to `plotter` with the app's look (replacing the actor called `name`); None for an empty mesh."""
    if mesh is None or mesh.n_points == 0:
        plotter.remove_actor(name, render=False)
        return None
    if style == "cubes":
        return plotter.add_mesh(mesh, color=SHAPE_COLOR, show_edges=True, edge_color=CUBE_EDGE_COLOR,
                                line_width=1, name=name, reset_camera=False, render=False)
    return plotter.add_mesh(mesh, color=SHAPE_COLOR, smooth_shading=True, specular=0.3, specular_power=20,
                            name=name, reset_camera=False, render=False)


def shape_radius(meshes: Sequence[Any], resolution: int) -> float:
    """The radius around the centre that holds every mesh (the grid's bounding sphere when all are empty)."""
    radii = [float(np.linalg.norm(np.asarray(m.points), axis=1).max()) for m in meshes
             if m is not None and m.n_points > 0]
    return max(radii) + 0.5 if radii else grid_radius(resolution)


def grid_radius(resolution: int) -> float:
    """The bounding sphere of a centred cubic grid of side `resolution`."""
    return math.sqrt(3) * max(1, resolution) / 2


def frame_camera(plotter: Any, radius: float, azimuth: float = 0.0) -> None:
    """Point the camera at the centre from the fixed three-quarter direction, just far enough to see a sphere of
    `radius` around it in both directions of the view (a tall, narrow view sees less sideways), then turn it
    `azimuth` degrees around the up axis."""
    camera = plotter.camera
    direction = np.asarray(VIEW_DIRECTION, dtype=float)
    direction /= np.linalg.norm(direction)
    width, height = plotter.window_size
    half_vertical = math.radians(camera.view_angle / 2)
    half_horizontal = math.atan(math.tan(half_vertical) * max(1, width) / max(1, height))
    distance = max(radius, 0.5) / math.sin(min(half_vertical, half_horizontal)) * 1.05
    camera.focal_point = (0.0, 0.0, 0.0)
    camera.position = tuple(direction * distance)
    camera.up = UP
    if azimuth:
        camera.azimuth = azimuth
    plotter.renderer.ResetCameraClippingRange()


def opengl_renderer(render_window: Any) -> str:
    """The OpenGL renderer's name (e.g. "llvmpipe (LLVM 15.0.7, 256 bits)"), from the render window's report."""
    try:
        report = render_window.ReportCapabilities() or ""
    except Exception as err:  # noqa: BLE001 - only a label: say why it is unknown
        return f"unknown ({type(err).__name__})"
    match = re.search(r"OpenGL renderer string:\s*(.+)", report)
    if match:
        return match.group(1).strip()
    return render_window.GetClassName() if hasattr(render_window, "GetClassName") else "unknown"


class OffscreenScene:
    """One off-screen Plotter reused for many frames (the first Plotter in a process takes ~1.4 s to set up)."""

    def __init__(self, size: int | tuple[int, int] = 320, anti_aliasing: bool = False) -> None:
        if not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY"):
            # no X server: go straight to EGL instead of letting VTK try X first and log a warning
            os.environ.setdefault("VTK_DEFAULT_OPENGL_WINDOW", "vtkEGLRenderWindow")
        import pyvista as pv

        width, height = (size, size) if isinstance(size, int) else size
        if width < 16 or height < 16:
            raise VoxelError(f"frames must be at least 16×16 pixels; got {width}×{height}")
        self.plotter = pv.Plotter(off_screen=True, window_size=[int(width), int(height)])
        self.plotter.set_background(BACKGROUND)
        if anti_aliasing:
            self.plotter.enable_anti_aliasing("fxaa")
        self.plotter.render_window.SetMultiSamples(0)

    def render(self, mesh: Any, style: str, radius: float, azimuth: float = 0.0) -> np.ndarray:
        """One uint8 H×W×3 frame of `mesh`, the camera framing a sphere of `radius` around the centre."""
        add_shape(self.plotter, mesh, style)
        frame_camera(self.plotter, radius, azimuth)
        self.plotter.render()
        return np.asarray(self.plotter.screenshot(return_img=True))[:, :, :3].copy()

    def renderer_name(self) -> str:
        return opengl_renderer(self.plotter.render_window)

    def close(self) -> None:
        self.plotter.close()

    def __enter__(self) -> OffscreenScene:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()


def turntable_frames(grid: Any, frames: int = 36, size: int = 320, style: str = "surface", threshold: float = 0.5,
                     anti_aliasing: bool = False) -> np.ndarray:
    """`frames` views of one shape with the camera turned 360°/frames further each time: uint8 N×S×S×3."""
    if frames < 1:
        raise VoxelError(f"a turntable needs at least 1 frame; got {frames}")
    array = as_grid(grid)
    mesh = build_mesh(array, style, threshold)
    radius = shape_radius([mesh], max(array.shape))
    with OffscreenScene(size, anti_aliasing) as scene:
        return np.stack([scene.render(mesh, style, radius, 360.0 * i / frames) for i in range(frames)])


def sequence_frames(grids: Sequence[Any] | np.ndarray, size: int = 320, style: str = "surface",
                    threshold: float = 0.5, anti_aliasing: bool = False) -> np.ndarray:
    """One view per grid (e.g. an interpolation's steps), all from the same camera: uint8 N×S×S×3."""
    arrays = [as_grid(g) for g in grids]
    if not arrays:
        raise VoxelError("no shapes to render")
    meshes = [build_mesh(a, style, threshold) for a in arrays]
    radius = shape_radius(meshes, max(arrays[0].shape))  # one camera for all: the shape changes, not the zoom
    with OffscreenScene(size, anti_aliasing) as scene:
        return np.stack([scene.render(mesh, style, radius) for mesh in meshes])


def _frames_tensor(frames: np.ndarray) -> Any:
    """uint8 N×H×W×3 → the latent exporter's float N×3×H×W in [-1, 1] (exact back to the same bytes)."""
    import torch

    return torch.from_numpy(np.ascontiguousarray(frames)).permute(0, 3, 1, 2).float().div(127.5).sub(1.0)


def _checked_frames(frames: np.ndarray) -> np.ndarray:
    frames = np.asarray(frames)
    if frames.ndim != 4 or frames.shape[-1] != 3 or frames.shape[0] < 1 or frames.dtype != np.uint8:
        raise VoxelError(f"frames must be uint8 N×H×W×3 with N ≥ 1; got {frames.dtype} {frames.shape}")
    return frames


def save_animation(frames: np.ndarray, path: str | Path, fps: float = 12, bounce: bool = False) -> Path:
    """Write uint8 N×H×W×3 frames as an animated GIF (loops) or an H.264 MP4, chosen by the suffix."""
    from workbench.latent.errors import LatentError
    from workbench.latent.export import save_gif, save_mp4

    frames = _checked_frames(frames)
    suffix = Path(path).suffix.lower()
    if suffix not in ANIMATION_SUFFIXES:
        raise VoxelError(f"cannot write {Path(path).name}: an animation is a .gif or .mp4 file")
    try:
        if suffix == ".gif":
            return save_gif(_frames_tensor(frames), path, fps=fps, bounce=bounce, min_size=1)
        return save_mp4(_frames_tensor(frames), path, fps=fps, bounce=bounce, min_size=1)
    except LatentError as err:
        raise VoxelError(str(err)) from None


def strip_image(frames: np.ndarray, gap: int = STRIP_GAP) -> np.ndarray:
    """The frames side by side in one row (uint8 H×W×3), separated by `gap` background-coloured pixels."""
    frames = _checked_frames(frames)
    n, h, w, _ = frames.shape
    background = np.array([int(BACKGROUND[i:i + 2], 16) for i in (1, 3, 5)], dtype=np.uint8)
    strip = np.empty((h, n * w + (n - 1) * gap, 3), dtype=np.uint8)
    strip[:] = background
    for i, frame in enumerate(frames):
        strip[:, i * (w + gap): i * (w + gap) + w] = frame
    return strip


def save_strip(frames: np.ndarray, path: str | Path) -> Path:
    """Write the frames side by side as one PNG."""
    from PIL import Image

    from workbench.voxels.export import target_path, write_file_bytes

    target = target_path(path, STRIP_SUFFIXES)
    buffer = io.BytesIO()
    Image.fromarray(strip_image(frames)).save(buffer, format="PNG")
    return write_file_bytes(target, buffer.getvalue())


def save_frames(frames: np.ndarray, path: str | Path, fps: float = 12, bounce: bool = False) -> Path:
    """GIF / MP4 animation or PNG strip, chosen by the suffix."""
    if Path(path).suffix.lower() in STRIP_SUFFIXES:
        return save_strip(frames, path)
    return save_animation(frames, path, fps=fps, bounce=bounce)
