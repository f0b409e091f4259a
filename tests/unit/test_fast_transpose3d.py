"""The 3D-GAN generator's faster end layers compute what nn.ConvTranspose3d computes, with the same weights."""

import pytest
import torch
from torch import nn

from workbench.nets.fast_transpose3d import LatentProjection3d, SubPixelTranspose3d, pixel_shuffle_3d
from workbench.nets.gan3d import VoxelGenerator


def twin(fast_class, *args, bias: bool):
    """A reference ConvTranspose3d and the fast layer sharing one randomly set weight (and bias)."""
    torch.manual_seed(0)
    reference = nn.ConvTranspose3d(*args, bias=bias)
    fast = fast_class(*args, bias=bias)
    fast.load_state_dict(reference.state_dict())
    return reference, fast


@pytest.mark.parametrize("c_in, c_out, side", [(3, 1, 4), (5, 2, 3), (8, 3, 6)])
@pytest.mark.parametrize("bias", [False, True])
def test_sub_pixel_form_equals_the_transposed_convolution(c_in, c_out, side, bias):
    reference, fast = twin(SubPixelTranspose3d, c_in, c_out, 4, 2, 1, bias=bias)
    x = torch.randn(2, c_in, side, side + 1, side + 2)  # not cubic: each axis's parity is handled on its own
    with torch.no_grad():
        expected, got = reference(x), fast(x)
    assert got.shape == expected.shape == (2, c_out, 2 * side, 2 * side + 2, 2 * side + 4)
    assert torch.allclose(got, expected, atol=1e-5)


@pytest.mark.parametrize("bias", [False, True])
def test_latent_projection_equals_the_transposed_convolution(bias):
    reference, fast = twin(LatentProjection3d, 7, 5, 4, 1, 0, bias=bias)
    z = torch.randn(3, 7, 1, 1, 1)
    with torch.no_grad():
        assert torch.allclose(fast(z), reference(z), atol=1e-6)
    bigger = torch.randn(1, 7, 2, 2, 2)  # not a 1³ input: falls back to the transposed convolution
    with torch.no_grad():
        assert torch.equal(fast(bigger), reference(bigger))


def test_training_keeps_the_transposed_convolution_arithmetic():
    """With autograd on, the layers run nn.ConvTranspose3d's forward exactly (bit-identical training)."""
    reference, fast = twin(SubPixelTranspose3d, 4, 1, 4, 2, 1, bias=False)
    x = torch.randn(2, 4, 5, 5, 5, requires_grad=True)
    assert torch.equal(fast(x), reference(x))
    fast(x).square().sum().backward()
    assert fast.weight.grad is not None and fast.weight.grad.abs().sum() > 0


def test_pixel_shuffle_3d_places_each_parity():
    x = torch.arange(8.0).view(1, 8, 1, 1, 1)  # channel rd·4 + rh·2 + rw
    out = pixel_shuffle_3d(x)[0, 0]
    for rd in (0, 1):
        for rh in (0, 1):
            for rw in (0, 1):
                assert out[rd, rh, rw] == rd * 4 + rh * 2 + rw


@pytest.mark.parametrize("side", [16, 32])
def test_generator_samples_match_its_training_forward(side):
    torch.manual_seed(1)
    generator = VoxelGenerator(6, side, 4).eval()
    z = torch.randn(3, 6)
    training_path = generator(z)  # autograd on: the transposed convolutions
    with torch.no_grad():
        sampling_path = generator(z)
    assert sampling_path.shape == (3, 1, side, side, side)
    assert torch.allclose(sampling_path, training_path, atol=1e-5)


def test_checkpoint_keys_are_those_of_plain_transposed_convolutions():
    """Checkpoints written before the faster layers load unchanged: same names, same shapes."""
    generator = VoxelGenerator(6, 16, 4)  # 6 → 8·4³ → 4·8³ → 1·16³
    shapes = {key: tuple(value.shape) for key, value in generator.state_dict().items() if key.endswith("weight")}
    assert shapes == {"net.0.weight": (6, 8, 4, 4, 4), "net.1.weight": (8,), "net.3.weight": (8, 4, 4, 4, 4),
                      "net.4.weight": (4,), "net.6.weight": (4, 1, 4, 4, 4)}
