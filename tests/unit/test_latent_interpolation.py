"""lerp, slerp and interpolation paths: endpoints, norms, linearity, shapes, the parallel fallback."""

from __future__ import annotations

import pytest
import torch

from workbench.latent import interpolation_path, lerp, slerp
from workbench.latent.errors import LatentError


def codes(seed: int, *shape: int) -> torch.Tensor:
    return torch.randn(*shape, generator=torch.Generator().manual_seed(seed))


def test_slerp_is_exact_at_the_endpoints_for_vectors_and_batches():
    z0, z1 = codes(0, 16), codes(1, 16)
    assert torch.equal(slerp(z0, z1, 0.0), z0)
    assert torch.equal(slerp(z0, z1, 1.0), z1)
    path = slerp(z0, z1, torch.linspace(0, 1, 7))
    assert path.shape == (7, 16) and path.dtype == torch.float32
    assert torch.equal(path[0], z0) and torch.equal(path[-1], z1)
    b0, b1 = codes(2, 5, 16), codes(3, 5, 16)
    batch = slerp(b0, b1, torch.tensor([0.0, 0.3, 1.0]))
    assert batch.shape == (3, 5, 16)
    assert torch.equal(batch[0], b0) and torch.equal(batch[2], b1)
    assert slerp(b0, b1, 0.5).shape == (5, 16)
    for i in range(5):  # each row of a batch is its own great circle
        assert torch.allclose(batch[1, i], slerp(b0[i], b1[i], 0.3), atol=1e-6)


def test_slerp_keeps_the_norm_of_equal_norm_codes_where_lerp_shrinks_it():
    z0, z1 = codes(0, 64), codes(1, 64)
    z1 = z1 * (z0.norm() / z1.norm())
    t = torch.linspace(0, 1, 21)
    spherical = slerp(z0, z1, t).norm(dim=1)
    assert torch.allclose(spherical, torch.full_like(spherical, float(z0.norm())), rtol=1e-5)
    assert lerp(z0, z1, 0.5).norm() < 0.9 * z0.norm()  # nearly orthogonal Gaussian codes: about 1/√2


def test_slerp_follows_the_arc_at_constant_angular_speed():
    e0, e1 = torch.tensor([1.0, 0.0]), torch.tensor([0.0, 1.0])
    mid = slerp(e0, e1, 0.5)
    assert torch.allclose(mid, torch.tensor([2**-0.5, 2**-0.5]), atol=1e-6)
    third = slerp(e0, e1, 1 / 3)
    assert torch.allclose(third, torch.tensor([3**0.5 / 2, 0.5]), atol=1e-6)  # 30° of the 90°


def test_slerp_falls_back_to_lerp_for_parallel_antiparallel_and_zero_codes():
    z = codes(0, 8)
    t = torch.linspace(0, 1, 5)
    for other in (2 * z, -z, torch.zeros(8), z.clone()):
        out = slerp(z, other, t)
        assert torch.isfinite(out).all()
        assert torch.allclose(out, lerp(z, other, t), atol=1e-6)
    batch0 = torch.stack([z, codes(1, 8)])
    batch1 = torch.stack([-z, codes(2, 8)])  # row 0 antiparallel, row 1 a proper arc
    out = slerp(batch0, batch1, 0.5)
    assert torch.allclose(out[0], torch.zeros(8), atol=1e-6)
    assert torch.allclose(out[1], slerp(batch0[1], batch1[1], 0.5), atol=1e-6)


def test_lerp_is_linear_and_exact_at_the_ends():
    z0, z1 = codes(0, 10), codes(1, 10)
    t = torch.tensor([0.0, 0.25, 0.5, 1.0, 1.5])  # extrapolation is allowed
    out = lerp(z0, z1, t)
    assert out.shape == (5, 10)
    assert torch.equal(out[0], z0) and torch.equal(out[3], z1)
    assert torch.allclose(out[1], 0.75 * z0 + 0.25 * z1, atol=1e-6)
    assert torch.allclose(out[2] - out[1], out[1] - out[0], atol=1e-6)  # equal steps in t, equal steps in z
    assert torch.allclose(out[4], z1 + 0.5 * (z1 - z0), atol=1e-5)
    assert lerp(z0, z1, 0.5).shape == (10,)


def test_interpolation_path_shapes_and_shared_endpoints():
    a, b, c = codes(0, 6), codes(1, 6), codes(2, 6)
    for mode in ("lerp", "slerp"):
        path = interpolation_path([a, b, c], steps=5, mode=mode)
        assert path.shape == (9, 6)  # 2 segments of 5 sharing the middle code
        assert torch.equal(path[0], a) and torch.equal(path[4], b) and torch.equal(path[8], c)
        assert torch.allclose(path[1:4], slerp(a, b, torch.tensor([0.25, 0.5, 0.75])) if mode == "slerp"
                              else lerp(a, b, torch.tensor([0.25, 0.5, 0.75])), atol=1e-6)
    assert interpolation_path([a, b], steps=2).shape == (2, 6)


@pytest.mark.parametrize("call, message", [
    (lambda a, b: interpolation_path([a], 5), "at least 2 codes"),
    (lambda a, b: interpolation_path([a, b], 1), "at least 2 steps"),
    (lambda a, b: interpolation_path([a, b], 5, mode="cubic"), "unknown interpolation mode"),
    (lambda a, b: slerp(a, b[:3], 0.5), "shapes"),
    (lambda a, b: lerp(a, b, torch.zeros(2, 2)), "1-D"),
])
def test_bad_input_is_a_latent_error(call, message):
    with pytest.raises(LatentError, match=message):
        call(codes(0, 6), codes(1, 6))
