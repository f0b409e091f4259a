"""A pool of past generated images for the discriminators (Shrivastava et al. 2017; CycleGAN).

D is shown a mix of the newest fakes and fakes from earlier generators, so it does not forget what G used to
get wrong and the two stop oscillating. Semantics of the reference's ImagePool, per image of a batch:
- until the pool holds `size` images, the new image is stored and returned as it is;
- afterwards, with probability ½ a random stored image is returned and the new one takes its place,
  otherwise the new image is returned and the pool is unchanged.
size 0 turns the pool off (every batch is returned unchanged).

The pool's images and its random generator are part of its state, so a resumed run draws the same mix.
"""

from __future__ import annotations

from typing import Any

import torch


class ImagePool:
    def __init__(self, size: int, seed: int, device: torch.device | str = "cpu") -> None:
        if size < 0:
            raise ValueError(f"the pool size must be ≥ 0, got {size}")
        self.size = size
        self.device = torch.device(device)
        self.images: torch.Tensor | None = None  # count×C×H×W, detached, on `device`
        self.generator = torch.Generator().manual_seed(seed)  # CPU draws: identical on every device

    @property
    def count(self) -> int:
        return 0 if self.images is None else self.images.shape[0]

    @torch.no_grad()
    def query(self, images: torch.Tensor) -> torch.Tensor:
        """The batch D should see in place of `images` (N×C×H×W); the result carries no gradient."""
        images = images.detach().to(self.device)
        if self.size == 0:
            return images
        out = []
        for image in images:
            image = image.unsqueeze(0)
            if self.count < self.size:
                self.images = image.clone() if self.images is None else torch.cat([self.images, image])
                out.append(image)
            elif float(torch.rand((), generator=self.generator)) > 0.5:
                slot = int(torch.randint(self.size, (), generator=self.generator))
                out.append(self.images[slot : slot + 1].clone())
                self.images[slot] = image[0]
            else:
                out.append(image)
        return torch.cat(out)

    def state_dict(self) -> dict[str, Any]:
        stored = torch.empty(0) if self.images is None else self.images.clone()
        return {"images": stored, "count": self.count, "rng": self.generator.get_state()}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        count = int(state["count"])
        images = state["images"]
        if count > self.size or (count and images.shape[0] != count):
            raise ValueError(f"the saved pool holds {count} images ({tuple(images.shape)}), this pool takes "
                             f"at most {self.size}")
        self.images = images.to(self.device).clone() if count else None
        self.generator.set_state(state["rng"].to(torch.uint8).cpu())
