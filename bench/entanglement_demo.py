"""Conditional edits on `shapes2d-correlated`, where scale follows shape (squares small, hearts large): moving a
code along a "scale" direction also changes the shape the model draws, until "shape" is held fixed.

Trains a VAE on shapes2d-correlated (fixed step budget, one torch thread), encodes 2,000 of its images, fits a
"scale" direction (linear SVM: the two largest scales against the two smallest) and a "shape" direction
(difference of class means, heart − square), and prints their cosine. Then it moves 500 encoded squares along
"scale" — plainly, and with "shape" projected out (`workbench.latent.projection.edit(..., held=[shape])`) —
decodes the edited codes, encodes the images again, and reports what a logistic classifier of shape (fitted on
the real codes) and of scale says about them. The model decides; the classifiers only read its codes.

    .venv/bin/python bench/entanglement_demo.py [--steps 3000] [--amount 3]
"""

from __future__ import annotations

import argparse
import tempfile
import time

import numpy as np
import torch


def train_vae(steps: int, seed: int):  # noqa: ANN201 - a Run
    from workbench.config import DataConfig, RunConfig, TrainConfig
    from workbench.methods.vae import VAESettings
    from workbench.runs import Workspace
    from workbench.training.runner import run_training

    config = RunConfig(VAESettings(latent_dim=10, channels=32),
                       DataConfig(name="shapes2d-correlated", image_size=32, batch_size=64),
                       TrainConfig(steps=steps, seed=seed, sample_every=steps, checkpoint_every=steps, sample_count=16))
    run = Workspace(tempfile.mkdtemp(prefix="entanglement-")).create_run(config, name="vae-correlated")
    for _ in run_training(run):
        pass
    return run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=3000, help="VAE training steps (batch 64)")
    parser.add_argument("--amount", type=float, default=3.0, help="how far to move along the unit scale direction")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    torch.set_num_threads(1)
    from sklearn.linear_model import LogisticRegression

    from workbench.latent.direction_supervised import binary_subset, boundary_direction, class_mean_direction
    from workbench.latent.labelled_codes import labelled_codes
    from workbench.latent.model import LatentSpace
    from workbench.latent.projection import edit

    started = time.process_time()
    run = train_vae(args.steps, args.seed)
    print(f"VAE (latent 10) on shapes2d-correlated 32×32, {args.steps} steps of 64: "
          f"{time.process_time() - started:.0f} CPU s")
    space = LatentSpace.from_run(run)
    by_scale = labelled_codes(space, "scale", n=2000, seed=args.seed)
    by_shape = labelled_codes(space, "shape", n=2000, seed=args.seed)
    scale = boundary_direction(*binary_subset(by_scale.codes, by_scale.labels, (4, 5), (0, 1)), kind="svm",
                               name="scale")
    shape = class_mean_direction(by_shape.codes, by_shape.labels, 2, 0, "heart − square")
    cosine = float(scale.vector @ shape.vector)
    print(f"directions: scale (SVM, held-out accuracy {scale.score:.2f}), shape (class means); "
          f"cosine(scale, shape) = {cosine:+.2f}")

    codes = by_shape.codes.numpy()
    shape_reader = LogisticRegression(max_iter=2000).fit(codes, by_shape.labels)
    scale_reader = LogisticRegression(max_iter=2000).fit(codes, by_scale.labels)
    names = by_shape.value_names
    squares = by_shape.codes[torch.as_tensor(by_shape.labels == 0)][:500]

    def read(z: torch.Tensor) -> tuple[np.ndarray, float]:
        again = space.encode(space.decode(z)).numpy()  # what the model draws, read back through its encoder
        shares = np.bincount(shape_reader.predict(again), minlength=len(names)) / len(again)
        return shares, float(scale_reader.predict(again).mean())

    rows = [("encoded squares, unedited", squares),
            (f"+{args.amount:g} along scale", edit(squares, scale, args.amount)),
            (f"+{args.amount:g} along scale, shape held", edit(squares, scale, args.amount, held=[shape]))]
    print(f"{len(squares)} squares; shapes and mean scale index (0-5) read from the re-encoded decoded images:")
    for label, z in rows:
        shares, mean_scale = read(z)
        parts = ", ".join(f"{name} {share:.0%}" for name, share in zip(names, shares, strict=True))
        print(f"  {label:34s} {parts}; mean scale {mean_scale:.2f}")


if __name__ == "__main__":
    main()
