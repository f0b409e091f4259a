"""`workbench import-model`: a generator trained elsewhere (real .py, safetensors / .pt, TorchScript and
torch.export files written here) becomes a read-only run that samples, explores and refuses training; every
error is one line naming the file and key, and leaves nothing in the workspace."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import torch
from PIL import Image

from workbench.cli import main
from workbench.latent.model import LatentSpace
from workbench.methods.imported.example import write_tiny_model
from workbench.methods.imported.loading import python_module
from workbench.methods.imported.manifest import read_manifest
from workbench.runs import Run

pytestmark = pytest.mark.usefixtures("one_torch_thread")


@pytest.fixture(autouse=True)
def here(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)


def imported(workspace, toml: Path, *extra: str) -> Run:
    assert main(["--workspace", str(workspace.root), "import-model", str(toml), *extra]) == 0
    (run,) = workspace.runs()
    return run


def error_of(workspace, toml: Path, capsys) -> str:
    """The one line `import-model` prints for a bad import; nothing may be left in the workspace."""
    capsys.readouterr()
    assert main(["--workspace", str(workspace.root), "import-model", str(toml)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("workbench: error: ") and "Traceback" not in err, err
    assert workspace.runs() == [] and not workspace.runs_dir.exists()
    return err.strip()


def edited(toml: Path, old: str, new: str) -> Path:
    text = toml.read_text()
    assert old in text
    toml.write_text(text.replace(old, new))
    return toml


def test_an_imported_run_holds_copies_samples_and_explores(workspace, tmp_path, capsys):
    toml = write_tiny_model(tmp_path / "mine", latent_dim=4, image_size=8, encoder=True)
    run = imported(workspace, toml, "--name", "mine")
    assert "run mine: imported TinyGen (4-d normal prior → 1×8×8, encoder), read-only" in capsys.readouterr().out
    assert sorted(p.name for p in (run.path / "model").iterdir()) == [
        "model.toml", "tinyenc.pt", "tinygen.py", "tinygen.safetensors"]
    assert run.config.method_name == "imported" and run.status.value == "finished"
    assert run.notes()["imported_from"] == str(toml) and "imported" in run.meta().tags
    shutil.rmtree(tmp_path / "mine")  # the run needs only its own copies

    space = LatentSpace.from_run(run)
    assert space.latent_dim == 4 and space.has_encoder and not space.is_vae and not space.conditional
    z = space.prior(5, seed=3)
    assert torch.equal(z, space.prior(5, seed=3))
    images = space.decode(z)
    assert images.shape == (5, 1, 8, 8) and images.min() >= -1 and images.max() <= 1  # [0, 1] mapped to [-1, 1]
    assert space.encode(images).shape == (5, 4)
    codes = z.clone().requires_grad_(True)
    space.decode_with_grad(codes).sum().backward()  # GAN inversion's path
    assert codes.grad is not None and codes.grad.abs().sum() > 0

    grid = tmp_path / "grid.png"
    assert main(["--workspace", str(workspace.root), "sample", "mine", "-n", "4", "-o", str(grid)]) == 0
    strip = tmp_path / "walk.png"
    assert main(["--workspace", str(workspace.root), "latent", "mine", "interpolate", "--seeds", "1", "2",
                 "--steps", "4", "-o", str(strip)]) == 0
    with Image.open(grid) as png, Image.open(strip) as walk:
        assert png.size[0] > 8 and walk.size[0] > 4 * 8


def test_the_outputs_follow_the_users_module_exactly(workspace, tmp_path):
    toml = write_tiny_model(tmp_path / "mine", latent_dim=3, image_size=8, channels=3)
    run = imported(workspace, toml)
    module = python_module("test", tmp_path / "mine" / "tinygen.py")
    from safetensors.torch import load_file

    gen = module.TinyGen(latent_dim=3, size=8, channels=3)
    gen.load_state_dict(load_file(str(tmp_path / "mine" / "tinygen.safetensors")))
    space = LatentSpace.from_run(run)
    z = space.prior(2, seed=0)
    with torch.no_grad():
        assert torch.allclose(space.decode(z), gen(z) * 2 - 1, atol=1e-6)
    assert torch.equal(z, torch.randn(2, 3, generator=torch.Generator().manual_seed(0)))


def test_uniform_prior_conditional_generator_and_a_moved_run(workspace, tmp_path):
    toml = write_tiny_model(tmp_path / "mine", latent_dim=4, image_size=16, classes=3)
    edited(toml, 'prior = "normal"', 'prior = "uniform"')
    run = imported(workspace, toml, "--name", "cond")
    moved = Run(shutil.move(run.path, workspace.runs_dir / "renamed"))  # the workspace moved, say
    space = LatentSpace.from_run(moved)
    assert space.classes == ("0", "1", "2") and not space.has_encoder
    z = space.prior(100, seed=1)
    assert z.min() >= -1 and z.max() <= 1 and z.std() > 0.4  # U[-1, 1], not N(0, 1)
    zero, two = space.decode(z[:2], 0), space.decode(z[:2], 2)
    assert zero.shape == (2, 1, 16, 16) and not torch.equal(zero, two)


def test_training_an_imported_run_is_refused_and_changes_nothing(workspace, tmp_path, capsys):
    run = imported(workspace, write_tiny_model(tmp_path / "mine"), "--name", "ro")
    before = {p: p.read_bytes() for p in run.path.rglob("*") if p.is_file() and p.name != ".lock"}
    capsys.readouterr()
    assert main(["--workspace", str(workspace.root), "train", "--resume", "ro", "--steps", "5"]) == 2
    err = capsys.readouterr().err
    assert err.strip() == ("workbench: error: run ro is an imported model (read-only): it cannot be trained; explore "
                           "it in the Latent and Evaluate tabs, `workbench sample`, `workbench latent` or "
                           "`workbench eval`")
    assert main(["--workspace", str(workspace.root), "train", "--resume", "ro"]) == 2  # no --steps: the same line
    assert "run ro is an imported model (read-only)" in capsys.readouterr().err
    assert main(["--workspace", str(workspace.root), "train", "--method", "imported"]) == 2
    assert "cannot be trained" in capsys.readouterr().err
    after = {p: p.read_bytes() for p in run.path.rglob("*") if p.is_file() and p.name != ".lock"}
    assert after == before and len(workspace.runs()) == 1


def test_a_missing_class_names_the_key_and_the_classes_found(workspace, tmp_path, capsys):
    toml = edited(write_tiny_model(tmp_path / "m"), 'class = "TinyGen"', 'class = "Generator"')
    assert error_of(workspace, toml, capsys) == ("workbench: error: model.toml: [model] class: tinygen.py has no "
                                                 "class 'Generator'; it defines TinyEnc, TinyGen")


def test_an_output_of_another_shape_than_declared_is_refused(workspace, tmp_path, capsys):
    toml = edited(write_tiny_model(tmp_path / "m"), "image_size = 8", "image_size = 16")
    assert error_of(workspace, toml, capsys) == (
        "workbench: error: model.toml: [model] image_size: TinyGen(z) returned shape 2×1×8×8 for 2 codes; the "
        "declared image_size = 16 and channels = 1 need 2×1×16×16")


def test_weights_that_do_not_fit_name_the_tensor(workspace, tmp_path, capsys):
    toml = write_tiny_model(tmp_path / "m")
    edited(toml, "{ latent_dim = 4, size = 8,", "{ latent_dim = 4, size = 16,")
    assert "[model] weights: tensor 'net.2.weight' has shape [64, 32] in tinygen.safetensors, TinyGen makes " \
           "[256, 32]" in error_of(workspace, toml, capsys)
    from safetensors.torch import load_file, save_file

    state = load_file(str(tmp_path / "m" / "tinygen.safetensors"))
    del state["net.0.bias"]
    save_file(state, str(tmp_path / "m" / "tinygen.safetensors"))
    edited(toml, "size = 16,", "size = 8,")
    assert "[model] weights: tinygen.safetensors has no tensor 'net.0.bias', which TinyGen needs" in error_of(
        workspace, toml, capsys)


class Payload:
    """Pickled into a .pt: torch.load(weights_only=True) must refuse it without running it."""

    def __reduce__(self):
        return (Path.touch, (Path("ran-the-payload"),))


def test_a_pt_with_pickled_code_is_refused_and_never_run(workspace, tmp_path, capsys):
    toml = write_tiny_model(tmp_path / "m", encoder=True)
    torch.save({"net.weight": Payload()}, tmp_path / "m" / "tinyenc.pt")
    err = error_of(workspace, toml, capsys)
    assert err.startswith("workbench: error: model.toml: [encoder] weights: tinyenc.pt holds pickled Python "
                          "objects besides tensors, which torch.load(weights_only=True) refuses")
    assert not (tmp_path / "ran-the-payload").exists()


@pytest.mark.parametrize(("old", "new", "expected"), [
    ('file = "tinygen.py"\nclass', 'file = "gone.py"\nclass', "[model] file: {m}/gone.py does not exist"),
    ("latent_dim = 4\n", "", "[model] latent_dim is missing"),
    ("channels = 1\n", "channels = 2\n", "[model] channels must be 1 (grayscale) or 3 (RGB), got 2"),
    ("range = [0, 1]", "range = [1, 0]", "[model] range must be [black, white] with black < white"),
    ('prior = "normal"', 'prior = "cauchy"', "[model] prior must be 'normal' or 'uniform', got 'cauchy'"),
    ("latent_dim = 4\n", "latent_dim = 5\n", "[model] file: TinyGen(z) failed on codes of shape 2×5"),
    ("classes = 0", "colour = 0", "unknown key(s) in [model]: colour"),
])
def test_bad_facts_are_one_line_naming_the_key(workspace, tmp_path, capsys, old, new, expected):
    toml = edited(write_tiny_model(tmp_path / "m"), old, new)
    assert expected.format(m=tmp_path / "m") in error_of(workspace, toml, capsys)


def test_a_module_that_raises_names_its_line(workspace, tmp_path, capsys):
    toml = write_tiny_model(tmp_path / "m")
    (tmp_path / "m" / "tinygen.py").write_text("import torch\n\n\nraise ImportError('needs mylib')\n")
    assert error_of(workspace, toml, capsys).endswith(
        "model.toml: [model] file: running tinygen.py failed (line 4): ImportError: needs mylib")


def test_torchscript_and_torch_export_files(workspace, tmp_path):
    folder = tmp_path / "m"
    toml = write_tiny_model(folder, latent_dim=4, image_size=8)
    module = python_module("test", folder / "tinygen.py")
    from safetensors.torch import load_file

    gen = module.TinyGen(latent_dim=4, size=8).eval()
    gen.load_state_dict(load_file(str(folder / "tinygen.safetensors")))
    torch.jit.save(torch.jit.trace(gen, torch.zeros(2, 4)), folder / "gen.ts")
    torch.export.save(torch.export.export(gen, (torch.zeros(3, 4),)), folder / "gen.pt2")  # a fixed batch of 3
    base = toml.read_text()
    z = torch.randn(5, 4, generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        expected = gen(z) * 2 - 1
    for name, file in (("ts", "gen.ts"), ("export", "gen.pt2")):
        toml.write_text(base.replace('file = "tinygen.py"\nclass = "TinyGen"', f'file = "{file}"')
                        .replace('weights = "tinygen.safetensors"\n', ""))
        run = imported(workspace, toml, "--name", name)
        space = LatentSpace.from_run(run)
        assert torch.allclose(space.decode(z), expected, atol=1e-5), name
        shutil.rmtree(run.path)
    settings = json.loads(json.dumps(read_manifest(toml).model.kwargs))
    assert settings == {"latent_dim": 4, "size": 8, "channels": 1, "classes": 0}


def test_the_documented_example_imports_and_samples(workspace, tmp_path):
    """docs/examples/import-model as shipped (its weights made here with the module's own random layers, in
    place of make_weights.py's half-minute of training)."""
    example = Path(__file__).resolve().parents[2] / "docs" / "examples" / "import-model"
    folder = tmp_path / "example"
    folder.mkdir()
    for name in ("mygen.py", "model.toml"):
        shutil.copy(example / name, folder / name)
    from safetensors.torch import save_file

    module = python_module("test", folder / "mygen.py")
    save_file(module.DigitGenerator(latent_dim=8).state_dict(), str(folder / "gen.safetensors"))
    save_file(module.DigitEncoder(latent_dim=8).state_dict(), str(folder / "enc.safetensors"))
    run = imported(workspace, folder / "model.toml", "--name", "my-digits")
    assert (run.path / "model" / "model.toml").read_text() == (example / "model.toml").read_text()  # comments kept
    grid = tmp_path / "grid.png"
    assert main(["--workspace", str(workspace.root), "sample", "my-digits", "-n", "4", "-o", str(grid)]) == 0
    space = LatentSpace.from_run(run)
    assert space.image_shape == (1, 16, 16) and space.has_encoder
