"""The method-quality rows of label-map → image methods (spade, and pix2pix on the same data for contrast).

Both train from their default settings at batch 4 on `labels2scenes` (built-in label maps of shapes2d scenes → textured
scenes) with the CPU budget of the other rows, and are scored as the SPADE paper scores semantic synthesis: a
segmenter trained on the real training scenes ("labels2scenes-seg", its own held-out pixel accuracy printed)
segments the translations of 200 held-out label maps, and the segmentation is compared with the input maps
(mIoU, pixel accuracy). Also: a Fréchet distance between the translations and the real held-out scenes in the
segmenter's pooled features (how their textures look, as the segmenter sees them), L1 to the held-out ground
truth, and translation time per image.
"""

from __future__ import annotations

import time
from typing import Any

from cpu_budget import train_for

SEMANTIC_METHODS = ("spade", "pix2pix")
DATASET = "labels2scenes"
TEST_MAPS = 200
SEGMENTER_STEPS = 800
BATCH_SIZE = 4  # pix2pix's and SPADE's small batches (1 in the pix2pix paper; SPADE's 32 needs 8 GPUs)


def semantic_context(image_size: int) -> dict[str, Any]:
    """The segmenter (trained once per benchmark) and the held-out maps every row is scored on."""
    import torch

    from workbench.config import DataConfig
    from workbench.data import build_dataset
    from workbench.data.label_maps import rgb_to_ids
    from workbench.metrics.label_agreement import train_segmenter

    config = DataConfig(name=DATASET, image_size=image_size, channels=3, batch_size=BATCH_SIZE)
    train, test = build_dataset(config), build_dataset(config, split="test")
    maps, images = train.get_batch(torch.arange(len(train)))
    test_maps, test_images = test.get_batch(torch.arange(min(TEST_MAPS, len(test))))
    colors = train.info.label_colors
    test_ids = rgb_to_ids(test_maps, colors)
    segmenter = train_segmenter(images, rgb_to_ids(maps, colors), len(colors), f"{DATASET}-seg",
                                test=(test_images, test_ids), steps=SEGMENTER_STEPS)
    return {"config": config, "segmenter": segmenter, "maps": test_maps, "ids": test_ids, "truth": test_images}


def scores(method: Any, ctx: dict[str, Any]) -> tuple[Any, float, float, float]:
    """(segmentation scores, L1 to the ground truth, ms per translated image, FID against the real held-out scenes
    with the segmenter's pooled features)."""
    import torch

    from workbench.metrics.frechet import frechet_distance_of_features

    start = time.perf_counter()
    with torch.no_grad():
        out = torch.cat([method.translate(ctx["maps"][i:i + 50]) for i in range(0, len(ctx["maps"]), 50)])
    ms = (time.perf_counter() - start) * 1000 / len(out)
    segmenter = ctx["segmenter"]
    fid = frechet_distance_of_features(segmenter.features(out).double().numpy(),
                                       segmenter.features(ctx["truth"]).double().numpy())
    return segmenter.scores(out, ctx["ids"]), float((out - ctx["truth"]).abs().mean()), ms, fid


def bench_semantic(name: str, seconds: float, ctx: dict[str, Any], row_type: Any) -> Any:
    from workbench.config import RunConfig, TrainConfig
    from workbench.methods.registry import method_settings_class
    from workbench.training.session import TrainingSession

    session = TrainingSession(RunConfig(method_settings_class(name)(), ctx["config"], TrainConfig(steps=10**8,
                                                                                                   seed=0)))
    before, l1_0, _, fid0 = scores(session.method, ctx)
    steps, cpu, wall = train_for(session, seconds)
    after, l1, ms, fid = scores(session.method, ctx)
    seg = ctx["segmenter"]
    metric = (f"{after.text()} (init {before.text()}) [{seg.name}, which reads real held-out scenes at "
              f"{seg.test_scores.text()}; {TEST_MAPS} held-out maps, {ctx['config'].image_size} px, batch "
              f"{BATCH_SIZE}]; FID {fid:.3f} (init {fid0:.2f}) [{seg.name} features, {TEST_MAPS} translations "
              f"against their real scenes]; L1 to the ground truth {l1:.3f} (init {l1_0:.3f}); translation "
              f"{ms:.2f} ms/image")
    return row_type(f"{name} ({DATASET})", steps, cpu, wall, metric, "— (compare the two rows)")
