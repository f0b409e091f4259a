"""A tiny generator written to a folder as a user would bring it (a .py file, safetensors weights, the import
TOML): the method contract test, the import tests and the Import dialog's tests use real files made here."""

from __future__ import annotations

from pathlib import Path

SOURCE = '''"""A tiny generator (and encoder) as a user writes one: plain torch, no workbench import."""
import torch
from torch import nn


class TinyGen(nn.Module):
    def __init__(self, latent_dim=4, size=8, channels=1, classes=0):
        super().__init__()
        self.shape = (channels, size, size)
        self.classes = classes
        self.embed = nn.Embedding(max(classes, 1), latent_dim)
        self.net = nn.Sequential(nn.Linear(latent_dim, 32), nn.ReLU(), nn.Linear(32, channels * size * size))

    def forward(self, z, labels=None):
        if self.classes:
            z = z + self.embed(labels)
        return torch.sigmoid(self.net(z)).view(-1, *self.shape)  # values in [0, 1]


class TinyEnc(nn.Module):
    def __init__(self, latent_dim=4, size=8, channels=1):
        super().__init__()
        self.net = nn.Linear(channels * size * size, 2 * latent_dim)

    def forward(self, x):
        mu, logvar = self.net(x.flatten(1)).chunk(2, dim=1)
        return mu, logvar
'''


def write_tiny_model(folder: str | Path, *, latent_dim: int = 4, image_size: int = 8, channels: int = 1,
                     classes: int = 0, encoder: bool = False, seed: int = 0) -> Path:
    """`tinygen.py`, `tinygen.safetensors` (and `tinyenc.pt` with `encoder`) and `model.toml` in `folder`; the
    TOML's path. The generator's outputs are in [0, 1], as declared."""
    import torch
    from safetensors.torch import save_file

    from workbench.methods.imported.loading import python_module

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "tinygen.py").write_text(SOURCE, encoding="utf-8")
    module = python_module("example", folder / "tinygen.py")
    torch.manual_seed(seed)
    kwargs = {"latent_dim": latent_dim, "size": image_size, "channels": channels}
    save_file(module.TinyGen(**kwargs, classes=classes).state_dict(), str(folder / "tinygen.safetensors"))
    args = ", ".join(f"{k} = {v}" for k, v in {**kwargs, "classes": classes}.items())
    toml = (f'[model]\nfile = "tinygen.py"\nclass = "TinyGen"\nkwargs = {{ {args} }}\n'
            f'weights = "tinygen.safetensors"\nlatent_dim = {latent_dim}\nprior = "normal"\n'
            f"image_size = {image_size}\nchannels = {channels}\nrange = [0, 1]\nclasses = {classes}\n")
    if encoder:
        torch.save(module.TinyEnc(**kwargs).state_dict(), folder / "tinyenc.pt")
        enc_args = ", ".join(f"{k} = {v}" for k, v in kwargs.items())
        toml += (f'\n[encoder]\nfile = "tinygen.py"\nclass = "TinyEnc"\nkwargs = {{ {enc_args} }}\n'
                 f'weights = "tinyenc.pt"\nreturns = "mean_logvar"\n')
    (folder / "model.toml").write_text(toml, encoding="utf-8")
    return folder / "model.toml"
