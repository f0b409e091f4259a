"""`workbench eval RUN [-n 5000] [--inception PATH] [--disentanglement]`: score a run's latest checkpoint with the
metrics that fit its method, print them and store them in the run (beside its checkpoints, and as eval/ scalars)."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from workbench.cli.common import CLIError, check_seed, find_run, format_table, reported, require_generator
from workbench.runs import Run, Workspace


def add_parser(sub: Any, common: argparse.ArgumentParser) -> argparse.ArgumentParser:
    ev = sub.add_parser("eval", parents=[common], help="score a run's latest checkpoint and store the metrics",
                        description="Compute the metrics that fit the run's method (FID, KID, IS, precision/recall, "
                                    "mode coverage; reconstruction MSE/PSNR; conditional accuracy; modes covered "
                                    "for 2-D mixtures), print them and store them in the run.")
    ev.add_argument("run", metavar="RUN", help="run id, unique id prefix or folder")
    ev.add_argument("-n", "--samples", type=int, default=5000, metavar="N", help="generated samples (default 5000)")
    ev.add_argument("--inception", metavar="PATH", help="local InceptionV3 weights (pytorch-fid's "
                    "pt_inception-2015-12-05-6726825d.pth) for paper-comparable FIDs; default: the dataset's "
                    "own classifier CNN")
    ev.add_argument("--seed", type=int, default=0, metavar="N", help="sampling seed (default 0)")
    ev.add_argument("--json", action="store_true", help="print the stored JSON instead of a table")
    ev.add_argument("--disentanglement", action="store_true", help="instead: the disentanglement report (MIG, "
                    "DCI, SAP, β-VAE and FactorVAE scores) of a model with an encoder trained on shapes2d or "
                    "shapes2d-correlated; -n is then the number of encoded images")
    return ev


def run(args: argparse.Namespace, workspace: str | None) -> int:
    if not 2 <= args.samples <= 1_000_000:
        raise CLIError(f"-n {args.samples}: the number of samples must be in [2, 1000000]")
    check_seed(args.seed)
    ws = Workspace(workspace)
    run = find_run(ws, args.run)
    require_generator(run, "eval")
    run = find_run(ws, args.run, write=True)  # the scores are stored with the run: an example's go to a copy
    if run.latest_checkpoint_step() is None:
        raise CLIError(f"run {run.id} has {run.missing_checkpoint_text()}; train it first "
                       f"(`workbench train --resume {run.id}`)")

    from workbench.evaluation.run_evaluation import EvaluationError, evaluate_run, format_value

    def say(text: str) -> None:
        if not args.json:
            print(text, file=sys.stderr)

    if getattr(args, "disentanglement", False):
        return _evaluate_disentanglement(args, run, say)
    with reported(EvaluationError):
        result = evaluate_run(run, samples=args.samples, inception=args.inception, seed=args.seed,
                              workspace_root=ws.root, progress=say)
    if args.json:
        print(json.dumps({**result.to_dict(), "path": str(result.path)}, indent=2, ensure_ascii=False))
        return 0
    print(f"run {run.id} at step {result.step} ({result.method} on {result.dataset}), {result.samples} samples, "
          f"seed {result.seed}")
    print(f"feature extractor: {result.extractor_text()}")
    print(format_table(["METRIC", "VALUE"], [[label, format_value(v)] for label, v in result.rows()]))
    for note in result.notes:
        print(f"note: {note}")
    print(f"stored in {result.path} and as eval/ scalars at step {result.step} ({result.seconds:.1f} s)")
    return 0


def _evaluate_disentanglement(args: argparse.Namespace, run: Run, say: Any) -> int:
    from workbench.evaluation.disentanglement import evaluate_disentanglement
    from workbench.evaluation.store import evaluations_dir, format_value
    from workbench.latent.errors import LatentError

    if args.inception:
        raise CLIError("--inception does not apply to --disentanglement (it needs no feature extractor)")
    with reported(LatentError):
        report = evaluate_disentanglement(run, args.samples, seed=args.seed, progress=say)
    path = evaluations_dir(run) / f"{report.step}.json"
    if args.json:
        print(json.dumps({"run": run.id, "step": report.step, "label": report.label,
                          "metrics": report.labelled_scores(), "factors": list(report.factor_names),
                          "matrices": {k: v.tolist() for k, v in report.matrices.items()}, "path": str(path)},
                         indent=2, ensure_ascii=False))
        return 0
    print(f"run {run.id} at step {report.step} ({run.config.method_name} on {report.dataset}), seed {report.seed}")
    print(format_table(["METRIC", "VALUE"], [[label, format_value(v)]
                                             for label, v in report.labelled_scores().items()]))
    print(f"stored in {path} (matrices beside it) and as eval/ scalars at step {report.step} "
          f"({report.seconds:.1f} s)")
    return 0
