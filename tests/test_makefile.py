"""The Makefile's search for a Python of at least 3.12."""

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.support import BASE_DIR

# Builds virtualenvs with make in subprocesses.
pytestmark = pytest.mark.slow


def make_venv(workdir: Path, path: str) -> subprocess.CompletedProcess[str]:
    shutil.copy(BASE_DIR / "Makefile", workdir / "Makefile")
    env = {"PATH": path, "HOME": os.environ.get("HOME", "/root")}
    if "PYENV_ROOT" in os.environ:
        env["PYENV_ROOT"] = os.environ["PYENV_ROOT"]
    return subprocess.run(
        ["make", ".venv/bin/python"], cwd=workdir, env=env, capture_output=True, text=True, timeout=120, check=False
    )


def test_without_a_recent_python_make_says_what_to_install(tmp_path):
    # /usr/bin and /bin only: at most the system's older python3, no pyenv.
    result = make_venv(tmp_path, "/usr/bin:/bin")
    if "Creating .venv" in result.stdout:
        pytest.skip("this machine's /usr/bin/python3 is already 3.12 or newer")
    assert result.returncode != 0
    assert "needs Python 3.12 or newer" in result.stderr
    assert "apt-get install python3.12" in result.stderr
    assert not (tmp_path / ".venv").exists()


@pytest.mark.skipif(not shutil.which("pyenv"), reason="pyenv is not installed on this machine")
def test_make_finds_a_pyenv_python_when_the_path_has_none(tmp_path):
    pyenv = Path(shutil.which("pyenv") or "pyenv")  # there: the test is skipped otherwise
    pyenv_bin = str(pyenv.parent)
    shims = str(pyenv.parent.parent / "shims")
    result = make_venv(tmp_path, f"{shims}:{pyenv_bin}:/usr/bin:/bin")
    assert result.returncode == 0, result.stderr
    version = subprocess.run(
        [tmp_path / ".venv/bin/python", "-c", "import sys; print(sys.version_info >= (3, 12))"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert version.stdout.strip() == "True"
