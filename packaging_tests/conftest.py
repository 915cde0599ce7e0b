"""Builds every distribution of the repository once per run: the core and each ``adapters/*``."""

from __future__ import annotations

import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

if sys.version_info >= (3, 11):
    import tomllib
else:
    import tomli as tomllib

ROOT = Path(__file__).parent.parent


def core_version() -> str:
    """The one place the version lives: ``__version__`` in the core package."""
    match = re.search(r'^__version__ = "([^"]+)"$', (ROOT / "portable_endpoints" / "__init__.py").read_text(), re.M)
    assert match, "portable_endpoints/__init__.py has no __version__"
    return match.group(1)


def adapter_projects() -> list[Path]:
    """Every adapter in the repository, so an adapter added later is checked without editing this."""
    return sorted(path.parent for path in (ROOT / "adapters").glob("*/pyproject.toml"))


@dataclass(frozen=True)
class Project:
    directory: Path
    name: str  # the distribution name, as in pyproject.toml
    sdist: Path
    wheel: Path

    @property
    def is_adapter(self) -> bool:
        return self.directory != ROOT

    @property
    def framework(self) -> str:
        """The host name: the adapter's directory, which is also its entry-point name and extra."""
        return self.directory.name


def normalised(name: str) -> str:
    return re.sub(r"[-_.]+", "_", name).lower()


@pytest.fixture(scope="session")
def dist_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """sdist and wheel of every project, each wheel built from its sdist, as a publisher would."""
    out = tmp_path_factory.mktemp("dist")
    from uv import find_uv_bin

    for directory in [ROOT, *adapter_projects()]:
        subprocess.run(
            [find_uv_bin(), "build", "--quiet", "--no-config", "--out-dir", str(out), str(directory)],
            check=True,
            cwd=ROOT,
        )
    return out


@pytest.fixture(scope="session")
def projects(dist_dir: Path) -> list[Project]:
    version = core_version()
    found = []
    for directory in [ROOT, *adapter_projects()]:
        name = tomllib.loads((directory / "pyproject.toml").read_text())["project"]["name"]
        stem = f"{normalised(name)}-{version}"
        sdists = list(dist_dir.glob(f"{stem}.tar.gz"))
        wheels = list(dist_dir.glob(f"{stem}-py3-none-any.whl"))
        built = sorted(path.name for path in dist_dir.iterdir())
        assert len(sdists) == 1, f"{name} built no sdist at version {version}: {built}"
        assert len(wheels) == 1, f"{name} built no wheel at version {version}: {built}"
        found.append(Project(directory, name, sdists[0], wheels[0]))
    return found


@pytest.fixture(scope="session")
def lowest_python() -> str:
    assert sys.version_info[:2] == (3, 10), "the install tests run on the lowest supported Python, 3.10"
    return sys.executable
