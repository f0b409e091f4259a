"""How each shipped example is scored: the README benchmarks' own code (bench/method_quality.py, bench/sr_quality.py,
bench/voxel_quality.py, `workbench.evaluation`, `workbench.metrics`). Each function takes the staged run and a
shared context (the staging workspace, cached extractors) and returns ({figure label: value}, what the checkpoint
holds, notes for the card); `scripts/train_examples.py` names them in its EXAMPLES table."""

from __future__ import annotations

import json
from typing import Any

Scores = tuple[dict[str, float], str, dict[str, Any]]
DIGITS_N = 2000  # generated samples per FID / KID / accuracy, as bench/method_quality.py


def _session(run: Any) -> Any:
    from workbench.training.session import TrainingSession

    return TrainingSession.from_run(run)  # the app's one loader: proves the packaged checkpoint loads


def _digits_context(context: dict[str, Any]) -> dict[str, Any]:
    """The digits-CNN extractor and the features of all 1,797 digits (bench/method_quality.py's reference)."""
    if "extractor" not in context:
        from workbench.config import DataConfig
        from workbench.data import build_dataset
        from workbench.metrics.evaluate import reference_features
        from workbench.metrics.feature_extractors import dataset_classifier

        digits = build_dataset(DataConfig(name="digits", image_size=32, channels=1))
        context["extractor"] = dataset_classifier(digits, context["workspace"])
        context["reference"] = reference_features(digits, context["extractor"], n=len(digits))
    return context


def _fid(run: Any, context: dict[str, Any]) -> tuple[Any, dict[str, float]]:
    import torch
    from method_quality import fid_kid

    ctx = _digits_context(context)
    method = _session(run).method
    torch.manual_seed(0)
    fid, kid = fid_kid(method, ctx["reference"], ctx["extractor"], DIGITS_N)
    label = f"[{ctx['extractor'].name}, 2k samples, {ctx['reference'].count} real]"
    return method, {f"FID {label}": round(fid, 2), f"KID {label}": round(kid, 3)}


def digits_fid(run: Any, context: dict[str, Any]) -> Scores:
    _, quality = _fid(run, context)
    return quality, "G and D weights", {"target": "FID ≤ 71.8, the plain gan row of the README's method-quality table"}


def digits_vae(run: Any, context: dict[str, Any]) -> Scores:
    _, quality = _fid(run, context)
    return quality, "encoder and decoder weights", {"target": "none (FID for comparison with the GANs)"}


def digits_infogan(run: Any, context: dict[str, Any]) -> Scores:
    """FID, and how well the unsupervised categorical code matches digit classes (best one-to-one mapping)."""
    import numpy as np
    import torch

    method, quality = _fid(run, context)
    extractor = _digits_context(context)["extractor"]
    k = int(method.categories)
    counts = np.zeros((k, extractor.num_classes), dtype=np.int64)
    for code in range(k):
        z, _, cont = method.draw_codes(200, torch.Generator().manual_seed(9_000 + code), torch.device("cpu"))
        images = method.decode(method.assemble(z, torch.full((200,), code), cont))
        counts[code] = np.bincount(extractor.predict(images).numpy(), minlength=extractor.num_classes)
    from scipy.optimize import linear_sum_assignment

    rows, cols = linear_sum_assignment(-counts)
    quality["categorical code → digit accuracy [digits-cnn, best 1-to-1 mapping, 200 per code]"] = round(
        float(counts[rows, cols].sum() / counts.sum()), 4)
    torch.manual_seed(0)
    return quality, "G, D and Q weights", {"target": "FID ≤ 78.3 (its 120-s README row); the code picks the digit"}


def digits_conditional(run: Any, context: dict[str, Any]) -> Scores:
    from method_quality import class_accuracy

    method, quality = _fid(run, context)
    accuracy = class_accuracy(method, _digits_context(context)["extractor"], DIGITS_N)
    quality["class accuracy [digits-cnn, 2k samples, 200 per class]"] = round(accuracy, 4)
    return quality, "G and D weights (label-conditioned)", {"target": "class accuracy ≥ 95%"}


def ring(run: Any, context: dict[str, Any]) -> Scores:
    coverage = _session(run).method.coverage()
    return ({"modes covered [1k samples, ≤ 3 std]": int(coverage["modes_covered"]),
             "high-quality samples [1k samples, ≤ 3 std]": round(coverage["high_quality_fraction"], 4)},
            "G and D weights (MLPs)", {"target": "8 of 8 modes"})


def disentanglement(run: Any, context: dict[str, Any]) -> Scores:
    """The app's disentanglement report (stored in the run's evaluations/, as `workbench eval --disentanglement`)."""
    from workbench.evaluation.disentanglement import evaluate_disentanglement

    report = evaluate_disentanglement(run, 5000, seed=0, store=True)
    quality = {f"{name} [{report.label}]": round(float(value), 4) for name, value in report.scores.items()}
    mi = report.matrices["mutual information"]
    notes = {"target": "traversals that separate factors; MIG stated",
             "README β sweep": "MIG 0.039 at β 16 after 8,000 steps (bench/beta_sweep.py)"}
    for d in range(mi.shape[0]):
        best = int(mi[d].argmax())
        if mi[d, best] > 0.05:
            notes[f"z{d}"] = (f"follows {report.factor_names[best]} (MI {mi[d, best]:.2f} nats, next "
                              f"{sorted(mi[d])[-2]:.2f})")
    return quality, "encoder and decoder weights", notes


def superres(run: Any, context: dict[str, Any]) -> Scores:
    from sr_quality import SCALE, score

    from workbench.data import build_dataset
    from workbench.methods.srresnet.method import bicubic_upscale

    test_set = build_dataset(run.config.data, split="test")
    psnr, ssim = score(_session(run).method.upscale, test_set)
    bic_psnr, bic_ssim = score(lambda lr: bicubic_upscale(lr, SCALE), test_set)
    label = f"{len(test_set)} held-out crops, RGB, 4-px border, 8-bit"
    return ({f"PSNR dB [{label}]": round(psnr, 3), f"SSIM [{label}]": round(ssim, 4),
             f"bicubic PSNR dB [{label}]": round(bic_psnr, 3), f"bicubic SSIM [{label}]": round(bic_ssim, 4),
             "PSNR gain over bicubic dB": round(psnr - bic_psnr, 3)},
            "generator weights (8 residual blocks × 32, bicubic skip)", {"target": "above bicubic on PSNR"})


def _image_scores(outputs: Any, targets: Any) -> tuple[float, float]:
    import numpy as np

    from workbench.superres.metrics import sr_psnr, sr_ssim

    pairs = list(zip(outputs, targets, strict=True))
    return (float(np.mean([sr_psnr(o, t, 0) for o, t in pairs])), float(np.mean([sr_ssim(o, t, 0) for o, t in pairs])))


def translation(run: Any, context: dict[str, Any]) -> Scores:
    """Pix2Pix against the paired photos, held-out and training crops (baseline: a flat image of the training
    photos' mean colour); CycleGAN's photo → stylized against the dataset's fixed style applied to the same
    held-out photos (baseline: the photo unchanged)."""
    import numpy as np
    import torch
    from sr_quality import to_uint8 as _to_uint8

    from workbench.data.translation_builtin import canny_edges, stylize
    from workbench.metrics.colour_distance import sliced_colour_distance
    from workbench.metrics.edge_agreement import edge_agreement
    from workbench.translation.model import TranslationModel

    model, pix2pix, quality = TranslationModel.from_run(run), run.config.method_name == "pix2pix", {}
    train = model.dataset("train")[0]
    mean = _to_uint8(train.get_batch(torch.arange(min(500, len(train))))[1]).reshape(-1, 3).mean(axis=0)
    base_name = "flat mean training colour" if pix2pix else "the photo unchanged"
    for split in ("test", "train") if pix2pix else ("test",):
        n = min(200, model.example_count(split))
        ex = model.examples(n, split)
        outputs = np.concatenate([_to_uint8(model.translate(ex.inputs[i:i + 25])) for i in range(0, n, 25)])
        targets = _to_uint8(ex.b) if pix2pix else stylize(_to_uint8(ex.inputs))
        baseline = (np.broadcast_to(np.rint(mean).astype(np.uint8), targets.shape) if pix2pix
                    else _to_uint8(ex.inputs))
        label = f"{n} {'held-out test' if split == 'test' else 'training'} crops, RGB, 8-bit"
        psnr, ssim = _image_scores(outputs, targets)
        b_psnr, b_ssim = _image_scores(np.ascontiguousarray(baseline), targets)
        quality.update({f"PSNR dB [{label}]": round(psnr, 3), f"SSIM [{label}]": round(ssim, 4),
                        f"baseline PSNR dB ({base_name}) [{label}]": round(b_psnr, 3),
                        f"baseline SSIM ({base_name}) [{label}]": round(b_ssim, 4)})
        if not pix2pix:  # the paper's aim, unpaired: G(a) takes domain B's look; F(G(a)) comes back to a
            real_b, inputs = _to_uint8(ex.b), _to_uint8(ex.inputs)
            tag = f"sliced W1 of RGB to {len(real_b)} held-out stylized crops, 8-bit"
            cycled = np.concatenate([_to_uint8(model.cycle(ex.inputs[i:i + 25])) for i in range(0, n, 25)])
            quality.update({
                f"colour distance of G(a) [{tag}]": round(sliced_colour_distance(outputs, real_b), 2),
                f"colour distance of the photos unchanged [{tag}]": round(sliced_colour_distance(inputs, real_b), 2),
                f"colour distance of the true style [{tag}]": round(sliced_colour_distance(targets, real_b), 2),
                f"cycle reconstruction PSNR dB F(G(a)) vs a [{label}]": round(_image_scores(cycled, inputs)[0], 3)})
        if pix2pix:  # the FCN-score analogue: the dataset's own edge detector run on the translations
            edges = edge_agreement(canny_edges(outputs), _to_uint8(ex.inputs)[..., 0] < 128, tolerance=1)
            quality.update({f"edge F1 (Canny of G(x) vs the input edges, 1 px) [{label}]": round(edges.f1, 3),
                            f"edge precision [{label}]": round(edges.precision, 3),
                            f"edge recall [{label}]": round(edges.recall, 3)})
    networks = "U-Net G and PatchGAN D weights" if pix2pix else "G_AB, G_BA, D_A and D_B weights"
    if pix2pix:
        return quality, networks, {
            "target": "photos built on the input's edges: edge F1 ≥ 0.5 on the held-out crops (a real photo scores 1 "
                      "by construction, a flat image 0), and above the flat mean colour in PSNR on the training crops",
            "ground truth": "paired photos"}
    return quality, networks, {
        "target": "G(a) takes the stylized look: its colour distribution is closer to the held-out stylized crops "
                  "than the unchanged photos' is; PSNR to the true style is stated against the photo unchanged",
        "ground truth": "the dataset's fixed style (workbench.data.translation_builtin.stylize) of the held-out "
                        "photos"}


def voxels(run: Any, context: dict[str, Any]) -> Scores:
    """bench/voxel_quality.py's figures: class coverage by the voxels3d CNN, nearest-training IoU (1,000 samples)."""
    from voxel_quality import score_run

    from workbench.voxels.classifier import load_or_train_voxel_classifier

    classifier = load_or_train_voxel_classifier(context["workspace"], "voxels3d", int(run.config.data.image_size))
    scores = score_run(run, classifier, 1000, seed=0)
    s = scores.samples
    label = "[1k samples, voxels3d CNN, 2,000 training shapes]"
    quality: dict[str, float] = {f"classes covered (≥ 1%) {label}": int(s.coverage["covered"]),
                                 f"class entropy {label}": round(float(s.coverage["entropy"]), 4),
                                 f"classifier confidence {label}": round(s.confidence, 4),
                                 f"nearest-training IoU mean {label}": round(s.mean_iou, 4),
                                 f"nearest-training IoU median {label}": round(s.median_iou, 4),
                                 f"empty grids {label}": int(s.empty),
                                 "D-update fraction": round(scores.d_update_fraction, 4)}
    counts = {name: int(c) for name, c in zip(classifier.class_names, s.coverage["counts"], strict=True)}
    return quality, "G and D weights (3-D convolutions)", {
        "target": "all 7 classes, recognisable shapes (the README's 300-CPU-s run: 5 of 7, IoU 0.216)",
        "class counts": json.dumps(counts), "classifier": classifier.describe(),
        "real held-out shapes (README)": "7 of 7, IoU 0.731"}


DIFFUSION_N = 500  # samples per FID / accuracy: DDIM sampling with guidance costs ~0.4 s an image on a CPU core


def digits_diffusion(run: Any, context: dict[str, Any]) -> Scores:
    """FID / KID and class accuracy as the README's ddpm row (500 samples: 50 DDIM steps each, with guidance)."""
    import torch
    from method_quality import class_accuracy, fid_kid

    ctx = _digits_context(context)
    method = _session(run).method
    torch.manual_seed(0)
    fid, kid = fid_kid(method, ctx["reference"], ctx["extractor"], DIFFUSION_N)
    label = f"[{ctx['extractor'].name}, {DIFFUSION_N} samples, {ctx['reference'].count} real]"
    accuracy = class_accuracy(method, ctx["extractor"], DIFFUSION_N)
    return ({f"FID {label}": round(fid, 2), f"KID {label}": round(kid, 3),
             f"class accuracy [{ctx['extractor'].name}, {DIFFUSION_N} samples, 50 per class]": round(accuracy, 4)},
            "U-Net weights and their EMA (samples use the EMA)",
            {"target": "recognisable digits of the requested class (accuracy ≥ 80%); FID at 500 samples is biased "
                       "upwards against the 2k-sample FIDs of the GAN examples"})


def semantic(run: Any, context: dict[str, Any]) -> Scores:
    """bench/semantic_rows.py's figures: a segmenter trained on the real scenes reads the translations of 200
    held-out label maps (mIoU, pixel accuracy), a Fréchet distance in its pooled features, L1 to the ground truth."""
    from semantic_rows import TEST_MAPS, scores, semantic_context

    size = int(run.config.data.image_size)
    if context.get("semantic_size") != size:
        context["semantic"], context["semantic_size"] = semantic_context(size), size
    ctx = context["semantic"]
    segmentation, l1, ms, fid = scores(_session(run).method, ctx)
    seg = ctx["segmenter"]
    label = f"[{seg.name}, {TEST_MAPS} held-out maps, {size} px]"
    spade = run.config.method_name == "spade"
    return ({f"mIoU {label}": round(segmentation.mean_iou, 4),
             f"pixel accuracy {label}": round(segmentation.pixel_accuracy, 4),
             f"FID [{seg.name} pooled features, {TEST_MAPS} translations vs their real scenes]": round(fid, 4),
             f"L1 to the ground truth {label}": round(l1, 4),
             "translation ms/image [one thread, batches of 50]": round(ms, 2)},
            "G and multi-scale D weights" if spade else "U-Net G and PatchGAN D weights",
            {"target": "the layout survives: mIoU ≥ 0.85 by a segmenter that reads the real scenes at "
                       f"{seg.test_scores.text()}",
             "compare with": "a Pix2Pix run on labels2scenes (README: 2.5 CPU minutes)" if spade else
             "the spade-labels2scenes example"})
