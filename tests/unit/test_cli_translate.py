"""`workbench translate RUN INPUT... -o OUT` on a tiny trained Pix2Pix run: files and folders in, PNGs out,
progress lines, the summary of skipped files, and exit status 2 for usage errors.

The parser is built the way `workbench.cli` builds it (a `common` parent with --workspace, then the command's
`add_parser`), and errors are turned into exit codes as `workbench.cli.main` does.
"""

from __future__ import annotations

import argparse

import numpy as np
import pytest
from PIL import Image

from workbench.cli import translate
from workbench.cli.common import CLIError


def run_cli(argv: list[str], workspace) -> int:
    """What `workbench translate ...` does: usage errors and CLIError → 2 (printed as one line)."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--workspace", metavar="PATH", default=argparse.SUPPRESS)
    parser = argparse.ArgumentParser(prog="workbench", parents=[common])
    translate.add_parser(parser.add_subparsers(dest="command"), common)
    try:
        args = parser.parse_args(["translate", *map(str, argv)])
    except SystemExit as exit_:
        return exit_.code
    try:
        return translate.run(args, str(workspace.root))
    except CLIError as err:
        print(f"workbench: error: {err}")
        return 2


@pytest.fixture
def pix2pix_run(tiny_run):
    return tiny_run("pix2pix", data="edges2photos", image_size=16, steps=2, batch_size=2, d_layers=2)


def write_png(path, seed=0):
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(np.random.default_rng(seed).integers(0, 256, (24, 24, 3), dtype=np.uint8)).save(path)
    return path


def test_translate_a_folder_and_files(pix2pix_run, workspace, tmp_path, capsys):
    source = tmp_path / "in"
    write_png(source / "one.png", 1)
    write_png(source / "two.jpg", 2)
    (source / "broken.png").write_bytes(b"garbage")
    out = tmp_path / "out"
    assert run_cli([pix2pix_run.id, source, "-o", out], workspace) == 1  # 1: some files were skipped
    printed = capsys.readouterr().out
    assert f"Translating edges → photos with {pix2pix_run.id} at step 2 (16×16 px) into {out}" in printed
    assert "[1/3] broken.png skipped: not a recognised image format" in printed
    assert f"[3/3] two.jpg → {out / 'two.png'}" in printed
    assert "Wrote 2 of 3 files; skipped 1:\n  broken.png: not a recognised image format" in printed
    assert sorted(p.name for p in out.iterdir()) == ["one.png", "two.png"]
    with Image.open(out / "one.png") as png:
        assert png.size == (16, 16)

    files_out = tmp_path / "files"
    assert run_cli([pix2pix_run.id, source / "one.png", source / "two.jpg", "-o", files_out, "--direction", "AtoB"],
                   workspace) == 0
    assert "Wrote 2 of 2 files." in capsys.readouterr().out
    assert sorted(p.name for p in files_out.iterdir()) == ["one.png", "two.png"]


def test_usage_errors_exit_2(pix2pix_run, tiny_run, workspace, tmp_path, capsys):
    source = tmp_path / "in"
    write_png(source / "one.png")
    cases = [
        ([pix2pix_run.id, source, "-o", source], "the output folder is the source folder"),
        ([pix2pix_run.id, source, "-o", tmp_path / "o", "--direction", "BtoA"], "no BtoA generator"),
        ([pix2pix_run.id, source, source / "one.png", "-o", tmp_path / "o"], "either one folder or image files"),
        ([pix2pix_run.id, tmp_path / "missing.png", "-o", tmp_path / "o"], "missing.png: no such file or folder"),
        (["no-such-run", source, "-o", tmp_path / "o"], "no-such-run"),
    ]
    for argv, message in cases:
        assert run_cli(argv, workspace) == 2, argv
        assert message in capsys.readouterr().out
    vae = tiny_run("vae", steps=2)
    assert run_cli([vae.id, source, "-o", tmp_path / "o"], workspace) == 2
    assert "select a Pix2Pix, CycleGAN or SPADE run" in capsys.readouterr().out
    assert run_cli([pix2pix_run.id, source], workspace) == 2  # -o is required: argparse's usage error
    assert "-o/--out" in capsys.readouterr().err
    assert not (tmp_path / "o").exists()
