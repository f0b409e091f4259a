"""The desktop entry and AppStream metainfo in packaging/ validate, and install_desktop.sh installs them per user.

The validators are the Debian packages desktop-file-utils and appstream (scripts/setup.sh installs them).
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
PACKAGING = REPO / "packaging"
APP_ID = "io.github.generative_workbench.Workbench"
DESKTOP = PACKAGING / f"{APP_ID}.desktop"
METAINFO = PACKAGING / f"{APP_ID}.metainfo.xml"
INSTALL = PACKAGING / "install_desktop.sh"
ICON_SIZES = (16, 24, 32, 48, 64, 128, 256)


def _tool(name: str, package: str) -> str:
    path = shutil.which(name)
    if not path:
        pytest.skip(f"{name} is not installed (Debian package {package}; scripts/setup.sh installs it as root)")
    return path


def _validate_desktop(path: Path) -> None:
    out = subprocess.run([_tool("desktop-file-validate", "desktop-file-utils"), str(path)], capture_output=True,
                         text=True, timeout=30)
    assert out.returncode == 0 and "error" not in out.stdout, out.stdout + out.stderr


def _desktop_entry(path: Path) -> dict[str, str]:
    entry = {}
    for line in path.read_text().splitlines():
        if "=" in line and not line.startswith("#"):
            key, value = line.split("=", 1)
            entry[key] = value
    return entry


def test_desktop_entry_validates():
    _validate_desktop(DESKTOP)
    entry = _desktop_entry(DESKTOP)
    assert entry["Icon"] == APP_ID and entry["Exec"] == "workbench gui"


def test_metainfo_validates():
    out = subprocess.run([_tool("appstreamcli", "appstream"), "validate", "--no-net", str(METAINFO)],
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stdout + out.stderr
    text = METAINFO.read_text()
    assert f"<id>{APP_ID}</id>" in text and f'<launchable type="desktop-id">{APP_ID}.desktop</launchable>' in text
    import workbench

    assert f'<release version="{workbench.__version__}"' in text, "add a <release> for the package's version"


def _install(env_overrides: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "XDG_DATA_HOME"}
    env.update(env_overrides)
    out = subprocess.run(["bash", str(INSTALL), *args], env=env, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stdout + out.stderr
    return out


@pytest.mark.parametrize("use_xdg", [True, False], ids=["XDG_DATA_HOME", "HOME"])
def test_install_desktop_per_user(tmp_path, use_xdg):
    exe = Path(sys.executable).with_name("workbench")
    if not exe.exists():
        pytest.skip("the workbench console script is not installed (run scripts/setup.sh)")
    home = tmp_path / "home"
    home.mkdir()
    data = tmp_path / "xdg-data" if use_xdg else home / ".local" / "share"
    env = {"HOME": str(home), **({"XDG_DATA_HOME": str(data)} if use_xdg else {})}
    _install(env, "--exec", str(exe))

    installed = data / "applications" / f"{APP_ID}.desktop"
    _validate_desktop(installed)
    entry = _desktop_entry(installed)
    command = shlex.split(entry["Exec"])
    assert command == [str(exe), "gui"] and entry["TryExec"] == str(exe)
    version = subprocess.run([command[0], "--version"], capture_output=True, text=True, timeout=120)
    assert version.returncode == 0 and version.stdout.startswith("workbench "), version.stdout + version.stderr
    assert (data / "metainfo" / f"{APP_ID}.metainfo.xml").read_text() == METAINFO.read_text()
    assert (data / "icons" / "hicolor" / "scalable" / "apps" / f"{APP_ID}.svg").is_file()
    for size in ICON_SIZES:
        icon = data / "icons" / "hicolor" / f"{size}x{size}" / "apps" / f"{APP_ID}.png"
        assert icon.read_bytes() == (REPO / "workbench" / "resources" / f"workbench-{size}.png").read_bytes()
    if use_xdg:
        assert not (home / ".local").exists(), "XDG_DATA_HOME was not honoured"

    _install(env, "--uninstall")
    leftovers = [p for p in data.rglob(f"{APP_ID}*")]
    assert not leftovers, leftovers


def test_install_desktop_refuses_a_missing_executable(tmp_path):
    out = subprocess.run(["bash", str(INSTALL), "--exec", str(tmp_path / "nope")],
                         env=dict(os.environ, HOME=str(tmp_path)), capture_output=True, text=True, timeout=30)
    assert out.returncode == 2
    assert out.stderr.strip() == f"install_desktop: {tmp_path / 'nope'} is not an executable file"
