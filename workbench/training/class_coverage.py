"""Classes covered by the fixed-latent samples, judged by the dataset's classifier CNN.

The classifier is the one `workbench eval` uses, cached in the workspace. When it is not cached yet, it is
trained in a separate low-priority process (a few seconds of CPU, once per dataset and image size) so the run
neither waits for it nor shares its random number generator with it: a resumed run stays bit-identical
whether or not the classifier appeared in between. Until it is ready, no coverage is reported.

That process dies with the one that started it (normal exit, Ctrl-C or SIGKILL alike), and a lock file beside
the cache makes sure one workspace trains one classifier at a time: a second run finds the lock held and waits
for the cache instead of training its own copy.
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
from dataclasses import asdict
from pathlib import Path
from typing import Any

from workbench.child_process import exit_with_parent, spawn_tied_child

if __name__ == "__main__":  # a helper process: die with the parent before the slow imports below
    exit_with_parent()

import torch  # noqa: E402

from workbench.config import DataConfig  # noqa: E402

CHILD_MODULE = "workbench.training.class_coverage"


class ClassCoverageProbe:
    """Counts the distinct classes the classifier assigns to a batch of generated images."""

    def __init__(self, dataset: Any, data_config: DataConfig, workspace_root: Path) -> None:
        self.dataset = dataset
        self.data_config = data_config
        self.workspace_root = Path(workspace_root)
        self._classifier = None
        self._trainer: subprocess.Popen | None = None

    @classmethod
    def for_dataset(cls, dataset: Any, data_config: DataConfig, workspace_root: Path) -> ClassCoverageProbe | None:
        """A probe for labelled image data with at least two classes; None otherwise."""
        info = dataset.info
        if getattr(info, "kind", "images") != "images" or info.num_classes < 2:
            return None
        return cls(dataset, data_config, workspace_root)

    def _load(self) -> Any:
        from workbench.metrics.feature_extractors import load_classifier

        info = self.dataset.info
        python_state = random.getstate()
        with torch.random.fork_rng(devices=[]):  # building the network draws initial weights
            classifier = load_classifier(self.workspace_root, info.name, info.image_size, info.channels)
        random.setstate(python_state)
        if classifier is not None and classifier.class_names != tuple(info.class_names):
            return None
        return classifier

    def _start_trainer(self) -> None:
        """Start the trainer unless this probe already did or another process is training it right now."""
        if self._trainer is not None:
            return
        from workbench.metrics.feature_extractors import classifier_lock

        info = self.dataset.info
        if classifier_lock(self.workspace_root, info.name, info.image_size, info.channels).held_elsewhere():
            return  # another run trains it: its cache appears for us too
        log = self.workspace_root / "feature_extractors" / "training.log"
        self._trainer = spawn_tied_child(CHILD_MODULE, [json.dumps(asdict(self.data_config)),
                                                        str(self.workspace_root)],
                                         log=log, env=dict(os.environ, OMP_NUM_THREADS="1"))

    def ready(self) -> bool:
        if self._classifier is None:
            self._classifier = self._load()
            if self._classifier is None:
                self._start_trainer()
        return self._classifier is not None

    @property
    def classifier(self) -> Any:
        """The classifier once `ready()` said so (None before): read-only, shared with other threads."""
        return self._classifier

    def wait_until_ready(self, timeout: float = 300.0) -> bool:
        """Block until the classifier exists (tests and scripts); False if it could not be made in time."""
        import time

        deadline = time.monotonic() + timeout
        while not self.ready() and time.monotonic() < deadline:
            if self._trainer is not None:
                try:
                    self._trainer.wait(min(1.0, max(0.0, deadline - time.monotonic())))
                except subprocess.TimeoutExpired:
                    pass
            else:
                time.sleep(0.5)  # another process holds the lock and trains it
        return self.ready()

    def classes_covered(self, samples: torch.Tensor) -> int | None:
        """Distinct predicted classes among `samples` (N×C×H×W in [-1, 1]); None until the classifier is ready."""
        if not self.ready():
            return None
        with torch.no_grad():
            predicted = self._classifier.predict(samples.float().cpu())
        return int(torch.unique(predicted).numel())


def _train_and_cache(data_config_json: str, workspace_root: str) -> None:
    """Train and cache the classifier unless it is cached (waiting for another process that trains it)."""
    from workbench.data import build_dataset
    from workbench.metrics.feature_extractors import dataset_classifier

    torch.set_num_threads(1)
    dataset = build_dataset(DataConfig(**json.loads(data_config_json)))
    trained = []
    classifier = dataset_classifier(dataset, workspace_root, on_train=lambda: trained.append(True))
    print(f"{classifier.name}: {'trained' if trained else 'found in the cache'}, "
          f"held-out accuracy {classifier.test_accuracy:.3f}", flush=True)


if __name__ == "__main__":
    _train_and_cache(sys.argv[1], sys.argv[2])
