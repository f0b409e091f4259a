"""Make the example's weights: a small VAE trained for about half a minute on the CPU on scikit-learn's
8×8 digits (upsampled to 16×16), standing in for a model you trained elsewhere.

    python docs/examples/import-model/make_weights.py      # writes gen.safetensors and enc.safetensors here

Only torch, safetensors and scikit-learn are used: nothing of Generative Workbench.
"""

from pathlib import Path

import torch
import torch.nn.functional as F
from mygen import DigitEncoder, DigitGenerator
from safetensors.torch import save_file
from sklearn.datasets import load_digits

HERE = Path(__file__).resolve().parent
LATENT, STEPS, BATCH = 8, 3000, 64


def main() -> None:
    torch.manual_seed(0)
    torch.set_num_threads(1)
    digits = torch.tensor(load_digits().images, dtype=torch.float32).unsqueeze(1) / 16.0  # [0, 1]
    images = F.interpolate(digits, size=16, mode="bilinear", align_corners=False).clamp(0, 1)
    gen, enc = DigitGenerator(LATENT), DigitEncoder(LATENT)
    opt = torch.optim.Adam([*gen.parameters(), *enc.parameters()], lr=2e-3)
    for step in range(STEPS):
        x = images[torch.randint(len(images), (BATCH,))]
        mu, logvar = enc(x)
        z = mu + torch.randn_like(mu) * torch.exp(0.5 * logvar)
        rec = F.binary_cross_entropy(gen(z), x, reduction="sum") / BATCH
        kl = -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp()) / BATCH
        loss = rec + kl
        opt.zero_grad()
        loss.backward()
        opt.step()
        if step % 500 == 0 or step == STEPS - 1:
            print(f"step {step:5d}  reconstruction {rec.item():7.2f}  KL {kl.item():6.2f}")
    save_file(gen.state_dict(), str(HERE / "gen.safetensors"))
    save_file(enc.state_dict(), str(HERE / "enc.safetensors"))
    print(f"wrote {HERE / 'gen.safetensors'} and {HERE / 'enc.safetensors'}")


if __name__ == "__main__":
    main()
