"""Writing explorer results to files: PNG strips and grids, GIF and MP4 animations.

Images come in as the core's float tensors in [-1, 1] (N×C×H×W). Files are written crash-safe (a temporary
file in the same folder, then os.replace), so an interrupted export never leaves a torn file under the final
name. The built-in models make 16–64 px images that players show as a speck, so animations are upscaled with
nearest-neighbour (no blur, pixels stay honest) until the shorter side is at least `min_size` pixels.
MP4 uses imageio-ffmpeg's bundled ffmpeg (no system ffmpeg needed) with H.264 in yuv420p, the combination
browsers, phones and presentation software all play; yuv420p needs even width and height.
"""

from __future__ import annotations

import io
import math
from pathlib import Path

import numpy as np
import torch
from torch import Tensor

from workbench.atomic import export_bytes, export_target, export_through_temporary
from workbench.latent.errors import LatentError

MIN_ANIMATION_SIZE = 128  # px, the shorter side of exported animations after upscaling


def to_uint8_frames(images: Tensor, scale: int = 1) -> np.ndarray:
    """N×C×H×W in [-1, 1] → N×(H·scale)×(W·scale)×C uint8, upscaled by repeating pixels (nearest)."""
    images = torch.as_tensor(images)
    if images.dim() == 3:
        images = images.unsqueeze(0)
    if images.dim() != 4 or images.shape[1] not in (1, 3) or images.shape[0] == 0:
        raise LatentError(f"expected images N×C×H×W with C = 1 or 3 and N ≥ 1; got shape {tuple(images.shape)}")
    if int(scale) != scale or scale < 1:
        raise LatentError(f"the upscaling factor must be a whole number ≥ 1; got {scale}")
    x = ((images.detach().float().cpu().clamp(-1, 1) + 1) * 127.5).round().to(torch.uint8)
    frames = x.permute(0, 2, 3, 1).numpy()
    if scale > 1:
        frames = frames.repeat(int(scale), axis=1).repeat(int(scale), axis=2)
    return np.ascontiguousarray(frames)


def upscale_factor(height: int, width: int, min_size: int = MIN_ANIMATION_SIZE) -> int:
    """The smallest whole factor that makes the shorter side at least `min_size` (1 when it already is)."""
    return max(1, math.ceil(min_size / max(1, min(height, width))))


def _rgb(frames: np.ndarray) -> np.ndarray:
    return frames.repeat(3, axis=3) if frames.shape[3] == 1 else frames


def _animation_frames(frames: Tensor, min_size: int) -> np.ndarray:
    images = torch.as_tensor(frames)
    if images.dim() != 4:
        raise LatentError(f"expected frames N×C×H×W; got shape {tuple(images.shape)}")
    return to_uint8_frames(images, scale=upscale_factor(images.shape[2], images.shape[3], min_size))


def _target(path: str | Path) -> Path:
    return export_target(path, error=LatentError)


def _write_bytes(path: Path, data: bytes) -> Path:
    return export_bytes(path, data, LatentError)


def save_png_strip(images: Tensor, path: str | Path, nrow: int | None = None, padding: int = 2,
                   scale: int = 1) -> Path:
    """A PNG of the images tiled by torchvision's make_grid: one row by default (a strip), else `nrow` per row."""
    from PIL import Image

    from workbench.images import image_grid

    images = torch.as_tensor(images)
    if images.dim() != 4 or images.shape[0] == 0:
        raise LatentError(f"expected images N×C×H×W with N ≥ 1; got shape {tuple(images.shape)}")
    target = _target(path)
    grid = image_grid(images, nrow=nrow or images.shape[0], padding=padding)
    if scale > 1:
        grid = grid.repeat(int(scale), axis=0).repeat(int(scale), axis=1)
    buffer = io.BytesIO()
    Image.fromarray(grid).save(buffer, format="PNG")
    return _write_bytes(target, buffer.getvalue())


def _bounced(frames: np.ndarray, bounce: bool) -> np.ndarray:
    """Forward then back (without repeating the two ends), so a looping animation has no jump."""
    if not bounce or len(frames) < 3:
        return frames
    return np.concatenate([frames, frames[-2:0:-1]])


def save_gif(frames: Tensor, path: str | Path, fps: float = 10, loop: bool = True, bounce: bool = False,
             min_size: int = MIN_ANIMATION_SIZE) -> Path:
    """An animated GIF of the frames (N×C×H×W in [-1, 1]); loops forever unless `loop` is False.

    GIF stores delays in hundredths of a second, so the rate is rounded to the nearest 10 ms per frame.
    Pillow merges consecutive identical frames into one longer frame (the timing is unchanged).
    """
    from PIL import Image

    if not fps > 0:
        raise LatentError(f"frames per second must be > 0; got {fps}")
    target = _target(path)
    array = _bounced(_animation_frames(frames, min_size), bounce)
    mode = "L" if array.shape[3] == 1 else "RGB"
    pictures = [Image.fromarray(a[:, :, 0] if mode == "L" else a, mode=mode) for a in array]
    options: dict = {"duration": max(10, round(1000 / fps / 10) * 10)}
    if loop:
        options["loop"] = 0  # 0 = repeat forever; no loop entry = play once
    buffer = io.BytesIO()
    pictures[0].save(buffer, format="GIF", save_all=True, append_images=pictures[1:], **options)
    return _write_bytes(target, buffer.getvalue())


def save_mp4(frames: Tensor, path: str | Path, fps: float = 10, bounce: bool = False,
             min_size: int = MIN_ANIMATION_SIZE) -> Path:
    """An H.264 MP4 (yuv420p) of the frames (N×C×H×W in [-1, 1]) through imageio-ffmpeg's bundled ffmpeg."""
    import imageio.v2 as imageio

    if not fps > 0:
        raise LatentError(f"frames per second must be > 0; got {fps}")
    target = _target(path)
    array = _rgb(_bounced(_animation_frames(frames, min_size), bounce))
    pad_h, pad_w = array.shape[1] % 2, array.shape[2] % 2
    if pad_h or pad_w:  # yuv420p halves the chroma resolution: width and height must be even
        array = np.pad(array, ((0, 0), (0, pad_h), (0, pad_w), (0, 0)), mode="edge")

    def write(tmp: Path) -> None:
        writer = imageio.get_writer(tmp, format="FFMPEG", mode="I", fps=fps, codec="libx264",
                                    pixelformat="yuv420p", macro_block_size=1, ffmpeg_log_level="error")
        try:
            for frame in array:
                writer.append_data(frame)
        finally:
            writer.close()

    return export_through_temporary(target, write, LatentError, failures=(OSError, RuntimeError), suffix=".mp4")
