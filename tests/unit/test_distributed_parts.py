"""The single-process parts of data-parallel training: torchrun's environment read, batches and noise sharded so
that the processes together use what one process would, the --nproc command line."""

from __future__ import annotations

import pytest
import torch

from workbench.cli.train_distributed import without_nproc
from workbench.config import ConfigError
from workbench.training.distributed import DistributedContext, check_batch, shard


def test_context_from_torchrun_environment(monkeypatch):
    monkeypatch.delenv("WORLD_SIZE", raising=False)
    assert DistributedContext.from_env() is None
    monkeypatch.setenv("WORLD_SIZE", "1")
    assert DistributedContext.from_env() is None  # one process: no group at all
    monkeypatch.setenv("WORLD_SIZE", "4")
    monkeypatch.setenv("RANK", "3")
    monkeypatch.setenv("LOCAL_RANK", "1")
    context = DistributedContext.from_env()
    assert (context.rank, context.world_size, context.local_rank) == (3, 4, 1) and not context.is_main
    assert "gloo" in context.backend


def test_batches_are_shared_out_whole_and_in_order():
    batch = (torch.arange(8).float(), torch.arange(8) * 10)
    parts = [shard(batch, DistributedContext(rank, 2, rank, "gloo")) for rank in range(2)]
    assert torch.equal(torch.cat([p[0] for p in parts]), batch[0])
    assert torch.equal(torch.cat([p[1] for p in parts]), batch[1])
    assert check_batch(64, 4) == 16
    with pytest.raises(ConfigError, match="data.batch_size: 63 images per step do not divide among 2 processes"):
        check_batch(63, 2)


def test_noise_shares_are_slices_of_one_process_noise():
    from workbench.config import DataConfig, RunConfig, TrainConfig
    from workbench.data import build_dataset
    from workbench.methods.registry import build_method, method_settings_class

    config = RunConfig(method_settings_class("vae")(latent_dim=4, channels=8),
                       DataConfig(name="digits", image_size=8, channels=1, batch_size=8), TrainConfig(seed=3))
    info = build_dataset(config.data).info
    methods = [build_method(config, info, torch.device("cpu")) for _ in range(3)]
    methods[1].shard, methods[2].shard = (0, 2), (1, 2)
    whole = methods[0].randn(8, 4)
    assert torch.equal(torch.cat([methods[1].randn(4, 4), methods[2].randn(4, 4)]), whole)


def test_the_command_line_without_nproc():
    assert without_nproc(["train", "--nproc", "2", "--steps", "5"]) == ["train", "--steps", "5"]
    assert without_nproc(["train", "--nproc=4", "--name", "x"]) == ["train", "--name", "x"]


def test_batch_norm_is_synchronised_in_place_and_only_on_gpus():
    from workbench.config import DataConfig, RunConfig, TrainConfig
    from workbench.data import build_dataset
    from workbench.methods.registry import build_method, method_settings_class
    from workbench.training.distributed import synchronise_batch_norm

    with pytest.raises(ConfigError, match="train.sync_batchnorm needs train.device = 'cuda'"):
        TrainConfig(sync_batchnorm=True)
    config = RunConfig(method_settings_class("dcgan")(latent_dim=4, g_channels=8, d_channels=8),
                       DataConfig(name="digits", image_size=8, channels=1, batch_size=8), TrainConfig())
    method = build_method(config, build_dataset(config.data).info, torch.device("cpu"))
    before = method.state_dict()
    params = [id(p) for group in method.opt_g.param_groups for p in group["params"]]
    assert synchronise_batch_norm(method) > 0
    assert not any(type(m) is torch.nn.BatchNorm2d for m in method.G.modules())
    assert any(isinstance(m, torch.nn.SyncBatchNorm) for m in method.G.modules())
    assert [id(p) for p in method.G.parameters()] == params  # the optimizer still steps these
    after = method.state_dict()
    assert set(before["G"]) == set(after["G"])  # checkpoints load either way
