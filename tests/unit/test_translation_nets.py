"""The image-to-image networks: output shapes at several sizes, the reference's layer layout (norms, dropout,
reflection padding, init), the PatchGAN's map size and measured receptive field, and clear size errors."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from workbench.config import ConfigError
from workbench.nets.norm_layers import init_normal_, norm_layer
from workbench.nets.patchgan import (
    PatchGANDiscriminator,
    check_patchgan_fits,
    min_patchgan_size,
    patch_map_size,
    receptive_field,
)
from workbench.nets.resnet_generator import ResidualBlock, ResNetGenerator
from workbench.nets.unet import NoiseDropout, UNetGenerator, unet_levels


@pytest.mark.parametrize("size", [16, 32, 64])
@pytest.mark.parametrize("norm", ["batch", "instance"])
def test_unet_keeps_the_image_shape_and_goes_down_to_one_pixel(size, norm):
    net = UNetGenerator(3, 3, size, 4, norm=norm)
    assert net.levels == unet_levels(size) and 2**net.levels == size
    x = torch.rand(2, 3, size, size) * 2 - 1
    bottleneck = []
    net.down[-1].register_forward_hook(lambda m, i, o: bottleneck.append(o.shape))
    y = net(x)
    assert y.shape == x.shape and y.abs().max() <= 1
    assert bottleneck == [torch.Size([2, 4 * min(2 ** (net.levels - 1), 8), 1, 1])]
    assert net(torch.zeros(1, 3, size, 2 * size)).shape == (1, 3, size, 2 * size)  # any multiple of 2^levels


def test_unet_layout_follows_the_reference():
    net = UNetGenerator(3, 2, 256, 4, norm="batch", dropout=True)
    assert net.levels == 8  # unet_256
    norms = [any(isinstance(m, nn.BatchNorm2d) for m in block) for block in net.down]
    assert norms == [False] + [True] * 6 + [False]  # no norm on the outermost and innermost encoder layers
    dropout = [i for i, block in enumerate(net.up) if any(isinstance(m, NoiseDropout) for m in block)]
    assert dropout == [4, 5, 6]  # the three decoder blocks above the innermost, as unet_256
    assert isinstance(net.up[0][-1], nn.Tanh) and net.up[0][1].out_channels == 2
    assert net.up[-1][1].in_channels == 4 * 8 and net.up[3][1].in_channels == 2 * 4 * 8  # skips concatenated
    small = UNetGenerator(1, 1, 16, 4, dropout=True)
    assert [i for i, b in enumerate(small.up) if any(isinstance(m, NoiseDropout) for m in b)] == [1, 2]
    assert not any(isinstance(m, NoiseDropout) for m in UNetGenerator(1, 1, 64, 4, dropout=False).modules())


def test_unet_dropout_masks_come_from_the_given_generator():
    net = UNetGenerator(1, 1, 16, 4, dropout=True)
    x = torch.rand(2, 1, 16, 16)
    net.use_noise(torch.Generator().manual_seed(3))
    first = net(x)
    net.use_noise(torch.Generator().manual_seed(3))
    torch.manual_seed(123)  # the global generator plays no part
    assert torch.equal(net(x), first)
    net.eval()
    assert torch.equal(net(x), net(x))  # no dropout in eval mode


def test_instance_norm_has_no_parameters_or_running_statistics():
    layer = norm_layer("instance", 8)
    assert isinstance(layer, nn.InstanceNorm2d) and not layer.affine and not layer.track_running_stats
    net = UNetGenerator(3, 3, 32, 4, norm="instance")
    assert not any(isinstance(m, nn.BatchNorm2d) for m in net.modules())
    with pytest.raises(ValueError, match="batch, instance"):
        norm_layer("group", 8)


@pytest.mark.parametrize("size", [16, 32, 64])
@pytest.mark.parametrize("norm", ["batch", "instance"])
def test_resnet_generator_keeps_the_image_shape(size, norm):
    net = ResNetGenerator(3, 3, 4, blocks=2, norm=norm)
    x = torch.rand(1, 3, size, size) * 2 - 1
    y = net(x)
    assert y.shape == x.shape and y.abs().max() <= 1
    assert sum(isinstance(m, ResidualBlock) for m in net.modules()) == 2
    assert sum(isinstance(m, nn.ReflectionPad2d) for m in net.modules()) == 2 + 2 * 2


def test_residual_block_adds_its_body_to_the_input():
    block = ResidualBlock(4, "instance")
    nn.init.zeros_(block.body[5].weight)  # the second convolution outputs 0 → the block is the identity
    nn.init.zeros_(block.body[5].bias)
    x = torch.randn(2, 4, 8, 8)
    assert torch.equal(block(x), x)


@pytest.mark.parametrize("n_layers", [1, 2, 3])
@pytest.mark.parametrize("size", [16, 32, 64])
def test_patchgan_outputs_a_map_of_patch_logits(n_layers, size):
    net = PatchGANDiscriminator(6, 4, n_layers)
    if size < min_patchgan_size(n_layers):
        with pytest.raises(ValueError, match=f"at least {min_patchgan_size(n_layers)} pixels"):
            net(torch.zeros(2, 6, size, size))
        return
    out = net(torch.rand(2, 6, size, size))
    side = patch_map_size(size, n_layers)
    assert out.shape == (2, 1, side, side) and side >= 1
    assert patch_map_size(256, 3) == 30  # the paper's 30×30 map of 70×70 patches


@pytest.mark.parametrize("n_layers, field", [(1, 16), (2, 34), (3, 70)])
def test_patchgan_receptive_field_is_measured_by_gradients(n_layers, field):
    assert receptive_field(n_layers) == field
    net = PatchGANDiscriminator(1, 4, n_layers).eval()  # eval: batch norm does not mix positions
    size = 3 * field
    x = torch.rand(1, 1, size, size, requires_grad=True)
    out = net(x)
    centre = out.shape[-1] // 2
    out[0, 0, centre, centre].backward()
    rows = x.grad[0, 0].abs().sum(1).nonzero().flatten()
    cols = x.grad[0, 0].abs().sum(0).nonzero().flatten()
    assert rows.max() - rows.min() + 1 == field  # the input pixels that move this one logit span the patch
    assert cols.max() - cols.min() + 1 == field


def test_too_deep_patchgan_for_the_image_size_names_the_setting():
    check_patchgan_fits(2, 16)
    with pytest.raises(ConfigError, match=r"method.d_layers.*at least 24 pixels.*d_layers ≤ 2.*at least 32"):
        check_patchgan_fits(3, 16)


def test_sizes_that_do_not_fit_raise_a_clear_error():
    with pytest.raises(ValueError, match="multiples of 16"):
        UNetGenerator(3, 3, 16, 4)(torch.zeros(1, 3, 24, 24))
    with pytest.raises(ValueError, match="multiples of 4 and at least 8"):
        ResNetGenerator(3, 3, 4, 1)(torch.zeros(1, 3, 18, 18))
    with pytest.raises(ValueError, match="multiples of 4 and at least 8"):
        ResNetGenerator(3, 3, 4, 1)(torch.zeros(1, 3, 4, 4))
    with pytest.raises(ValueError, match="N×C×H×W"):
        ResNetGenerator(3, 3, 4, 1)(torch.zeros(3, 8, 8))
    with pytest.raises(ValueError, match="power-of-two"):
        UNetGenerator(3, 3, 24, 4)


def test_weights_start_from_the_reference_normal_init():
    net = PatchGANDiscriminator(3, 64, 3)
    weight = net.net[2].weight.detach()  # 64 → 128, 4×4: 131,072 weights
    assert weight.shape == (128, 64, 4, 4)
    assert abs(float(weight.std()) - 0.02) < 0.001 and abs(float(weight.mean())) < 0.001
    bn = next(m for m in net.modules() if isinstance(m, nn.BatchNorm2d))
    assert abs(float(bn.weight.detach().mean()) - 1) < 0.01 and torch.equal(bn.bias, torch.zeros_like(bn.bias))
    layer = nn.Conv2d(2, 2, 3)
    init_normal_(layer)
    assert torch.equal(layer.bias, torch.zeros(2))
