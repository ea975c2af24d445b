"""``pip install .`` gives a complete bot: every module and the message catalogs.

The wheel is built from this checkout the way pip builds it, then installed
(not editable) into a throw-away folder and run from elsewhere, so nothing can be
found through the checkout. pip has no internet here: the wheel goes in with
``--no-deps`` and its dependencies come from the project's own virtualenv.
"""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

from conversations.i18n import SUPPORTED_LOCALES

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("bot", "conversations", "core", "storage")


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", str(ROOT), "--no-deps", "--quiet", "-w", str(out)],
        check=True, capture_output=True, text=True, timeout=180,
    )
    (built,) = out.glob("slotbot-*.whl")
    return built


def _tracked(pattern: str) -> set[str]:
    listed = subprocess.run(
        ["git", "ls-files", "--", pattern], cwd=ROOT, check=True, capture_output=True, text=True
    )
    return {line for line in listed.stdout.splitlines() if (ROOT / line).is_file()}


def test_the_wheel_holds_the_three_catalogs(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    for locale in SUPPORTED_LOCALES:
        assert f"conversations/locales/{locale}/LC_MESSAGES/messages.po" in names, sorted(names)


def test_the_wheel_holds_every_python_module_of_the_checkout(wheel):
    # pyproject.toml lists its packages (to map locales/ into one): a new
    # sub-package must be added there, or an installed bot fails to import it.
    names = set(zipfile.ZipFile(wheel).namelist())
    modules = set().union(*(_tracked(f"{package}/*.py") for package in PACKAGES))
    assert modules and modules <= names, sorted(modules - names)


def test_an_installed_bot_speaks_russian_without_the_checkout(wheel, tmp_path):
    target = tmp_path / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-deps", "--no-index", "--quiet",
         "--target", str(target), str(wheel)],
        check=True, capture_output=True, text=True, timeout=120,
    )
    env = {k: v for k, v in os.environ.items() if k not in ("SLOTBOT_LOCALES_DIR", "PYTHONPATH")}
    # The installed copy first; the dependencies from this virtualenv after it.
    env["PYTHONPATH"] = os.pathsep.join([str(target), sysconfig.get_paths()["purelib"]])
    script = (
        "import conversations.i18n as i18n; "
        "print(i18n.__file__); print(i18n.locales_dir()); print(i18n.texts_for('ru')._('Back'))"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=tmp_path, env=env,
        capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 0, result.stderr
    module, locales, back = result.stdout.splitlines()
    assert Path(module).is_relative_to(target)  # not the checkout
    assert Path(locales).is_relative_to(target)
    assert back == "Назад"
    assert "no catalog" not in result.stderr
