"""InceptionV3 from a local weights file (here: the architecture's own random weights written to disk)."""

from __future__ import annotations

import pytest
import torch

from workbench.metrics.feature_extractors import build_inception_v3, load_inception_v3


@pytest.fixture(scope="module")
def fid_state():
    torch.manual_seed(0)
    net = build_inception_v3()  # pytorch-fid's FID network layout, 1008 classes, no aux head
    # converted TF weights carry no num_batches_tracked; drop them like the published file
    return {k: v for k, v in net.state_dict().items() if not k.endswith("num_batches_tracked")}


def test_loads_pth_and_safetensors_and_extracts(fid_state, tmp_path):
    from safetensors.torch import save_file

    torch.save(fid_state, tmp_path / "pt_inception.pth")
    save_file({k: v.contiguous() for k, v in fid_state.items()}, tmp_path / "inception.safetensors")
    ex = load_inception_v3(tmp_path / "pt_inception.pth")
    assert ex.name == "inception-v3" and ex.feature_dim == 2048 and ex.num_classes == 1008
    again = load_inception_v3(tmp_path / "inception.safetensors")
    images = torch.rand(2, 1, 16, 16) * 2 - 1  # grayscale, small: replicated to RGB and resized to 299
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # shared machines: one thread is faster when other processes keep the cores busy
    try:
        feats, probs = ex.features_and_probabilities(images)
    finally:
        torch.set_num_threads(threads)
    assert feats.shape == (2, 2048) and probs.shape == (2, 1008)
    assert torch.allclose(probs.sum(1), torch.ones(2), atol=1e-4)
    assert torch.allclose(again.features(images[:1]), feats[:1], atol=1e-4)


def test_mismatched_weights_are_a_clear_error(fid_state, tmp_path):
    broken = dict(fid_state)
    del broken["Mixed_7c.branch_pool.conv.weight"]
    broken["fc.weight"] = broken["fc.weight"][:, :100].contiguous()
    broken["extra.weight"] = torch.zeros(1)
    torch.save(broken, tmp_path / "bad.pth")
    with pytest.raises(ValueError) as err:
        load_inception_v3(tmp_path / "bad.pth")
    text = str(err.value)
    assert "does not match the InceptionV3 architecture" in text
    assert "Mixed_7c.branch_pool.conv.weight" in text and "extra.weight" in text and "fc.weight" in text
    (tmp_path / "junk.pth").write_bytes(b"not a checkpoint")
    with pytest.raises(ValueError, match="cannot read Inception weights"):
        load_inception_v3(tmp_path / "junk.pth")
    with pytest.raises(FileNotFoundError, match="never downloaded"):
        load_inception_v3(tmp_path / "missing.pth")
