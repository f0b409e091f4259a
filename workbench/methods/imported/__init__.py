"""A generator trained elsewhere, imported as a read-only run: settings and spec, without torch.

The settings hold the facts the user declared in the import TOML (latent size, prior, value range, classes,
encoder) and the names of the copied files, relative to the run folder (`model/...`); the run's [data] holds the
image size and channels. `workbench import-model` (workbench/training/import_run.py) writes such a run; the
implementation (method.py) loads the user's module through `loading.py`. Nothing trains it: `trainable=False`.
"""

from __future__ import annotations

from dataclasses import dataclass

from workbench.config import Validated, setting
from workbench.methods.capabilities import LatentModel
from workbench.methods.registry import MethodSpec

MODEL_FOLDER = "model"  # the run's copies of the user's files: <run>/model/<file>


@dataclass(frozen=True)
class ImportedSettings(Validated):
    """A generator trained elsewhere (a Python nn.Module, TorchScript or torch.export file plus weights),
    explored read-only."""

    section = "method"
    run_folder: str = setting("", advanced=True, help="where the run's files are (set on import and on loading)")
    model_file: str = setting("", help="the generator: a .py file defining an nn.Module, a TorchScript file or a "
                                       "torch.export .pt2 file (relative to the run folder)")
    model_class: str = setting("", help="the nn.Module class in model_file (Python files only)")
    model_kwargs: str = setting("{}", advanced=True, help="keyword arguments of model_class, as JSON")
    weights: str = setting("", help="the generator's state_dict: .safetensors, or .pt read with "
                                    "torch.load(weights_only=True); '' when model_file holds its weights")
    latent_dim: int = setting(64, min=1, max=65_536, help="size of the latent code z")
    prior: str = setting("normal", choices=("normal", "uniform"),
                         help="the prior of z: normal = N(0, I), uniform = U[-1, 1] per dimension")
    latent_shape: str = setting("vector", choices=("vector", "map"),
                                help="how z enters the generator: vector = N×D, map = N×D×1×1 (DCGAN style)")
    value_min: float = setting(-1.0, min=-1e6, max=1e6, help="the generator's output for black")
    value_max: float = setting(1.0, min=-1e6, max=1e6, help="the generator's output for white")
    classes: int = setting(0, min=0, max=100_000, help="0 = unconditional; K ≥ 2 = called as G(z, labels) with "
                                                       "class indices 0..K-1")
    encoder_file: str = setting("", help="an optional encoder (images → codes), like model_file; '' = none")
    encoder_class: str = setting("", help="the encoder's nn.Module class (Python files only)")
    encoder_kwargs: str = setting("{}", advanced=True, help="keyword arguments of encoder_class, as JSON")
    encoder_weights: str = setting("", help="the encoder's state_dict, like weights")
    encoder_returns: str = setting("mean", choices=("mean", "mean_logvar"),
                                   help="what the encoder returns: the code, or a pair (μ, log σ²) whose μ is used")

    def __post_init__(self) -> None:
        super().__post_init__()
        from workbench.config import ConfigError

        if self.value_max <= self.value_min:
            raise ConfigError(f"method.value_max ({self.value_max:g}) must be above method.value_min "
                              f"({self.value_min:g})")
        if self.classes == 1:
            raise ConfigError("method.classes must be 0 (unconditional) or at least 2, got 1")


SPEC = MethodSpec(
    "imported", ImportedSettings, "Imported model", "Imported",
    "A generator trained elsewhere (your nn.Module, TorchScript or torch.export file + weights), read-only: "
    "`workbench import-model`",
    capabilities=(LatentModel,), trainable=False,
)
