"""The distributions as users get them: built, checked, installed with plain pip, serving routes.

Every adapter under ``adapters/`` is discovered, so a new adapter is held to the same checks.
"""

from __future__ import annotations

import email.parser
import io
import json
import os
import socket
import subprocess
import sys
import tarfile
import time
import urllib.request
import venv
import zipfile
from email.message import Message
from pathlib import Path

import pytest
from packaging.requirements import Requirement

from .conftest import ROOT, Project, adapter_projects, core_version, normalised

EXTRAS = [path.name for path in adapter_projects()] + ["all"]


def wheel_metadata(project: Project) -> Message:
    with zipfile.ZipFile(project.wheel) as wheel:
        name = f"{normalised(project.name)}-{core_version()}.dist-info/METADATA"
        return email.parser.Parser().parsestr(wheel.read(name).decode())


def wheel_text(project: Project, member: str) -> str:
    with zipfile.ZipFile(project.wheel) as wheel:
        return wheel.read(f"{normalised(project.name)}-{core_version()}.dist-info/{member}").decode()


def requirements(metadata: Message) -> list[Requirement]:
    return [Requirement(value) for value in metadata.get_all("Requires-Dist") or []]


def test_every_distribution_builds_at_the_one_version(projects: list[Project]) -> None:
    assert projects[0].name == "portable-endpoints"
    assert len(projects) == 1 + len(adapter_projects())
    for project in projects:
        assert wheel_metadata(project)["Version"] == core_version(), project.name


def test_metadata_passes_twine_check_strict(projects: list[Project]) -> None:
    files = [str(path) for project in projects for path in (project.sdist, project.wheel)]
    result = subprocess.run(
        [sys.executable, "-m", "twine", "check", "--strict", *files], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_long_description_is_the_projects_readme(projects: list[Project]) -> None:
    for project in projects:
        metadata = wheel_metadata(project)
        assert metadata["Description-Content-Type"] == "text/markdown", project.name
        readme = (project.directory / "README.md").read_text()
        description = metadata.get_payload()
        assert isinstance(description, str), project.name
        assert description.strip() == readme.strip(), f"{project.name}: long description is not README.md"


def test_every_wheel_ships_py_typed(projects: list[Project]) -> None:
    for project in projects:
        package = "portable_endpoints" if not project.is_adapter else normalised(project.name)
        with zipfile.ZipFile(project.wheel) as wheel:
            assert f"{package}/py.typed" in wheel.namelist(), f"{project.wheel.name} lacks {package}/py.typed"


def test_entry_points_are_declared(projects: list[Project]) -> None:
    core, *adapters = projects
    core_entry_points = wheel_text(core, "entry_points.txt")
    assert "[portable_endpoints]\nasgi = portable_endpoints._asgi.plugin\n" in core_entry_points
    assert "[pytest11]\nportable_endpoints = portable_endpoints.testing.plugin\n" in core_entry_points
    assert "[console_scripts]\nportable-endpoints = portable_endpoints.cli:main\n" in core_entry_points
    for adapter in adapters:
        entry_points = wheel_text(adapter, "entry_points.txt")
        assert f"[portable_endpoints]\n{adapter.framework} = {normalised(adapter.name)}." in entry_points, (
            f"{adapter.name} declares no '{adapter.framework}' entry point in the portable_endpoints group"
        )


def test_every_adapter_declares_its_framework_range_and_the_core(projects: list[Project]) -> None:
    for adapter in projects[1:]:
        by_name = {normalised(req.name): req for req in requirements(wheel_metadata(adapter))}
        framework = by_name.get(normalised(adapter.framework))
        assert framework is not None, f"{adapter.name} does not depend on {adapter.framework}"
        assert any(spec.operator == ">=" for spec in framework.specifier), (
            f"{adapter.name} declares no lower bound on {adapter.framework}: {framework}"
        )
        core = by_name["portable_endpoints"]
        assert core.specifier.contains(core_version()), f"{adapter.name} requires {core}, not this core"


def test_the_core_has_an_extra_per_adapter_and_all(projects: list[Project]) -> None:
    core, *adapters = projects
    metadata = wheel_metadata(core)
    extras = set(metadata.get_all("Provides-Extra") or [])
    by_extra: dict[str, set[str]] = {}
    for req in requirements(metadata):
        for extra in extras:
            if req.marker is not None and req.marker.evaluate({"extra": extra}):
                by_extra.setdefault(extra, set()).add(normalised(req.name))
    for adapter in adapters:
        assert normalised(adapter.name) in by_extra.get(adapter.framework, set()), (
            f"portable-endpoints[{adapter.framework}] does not install {adapter.name}"
        )
    assert metadata["Requires-Python"] == ">=3.10"


def test_sdists_hold_what_the_wheel_is_built_from(projects: list[Project]) -> None:
    for project in projects:
        with tarfile.open(project.sdist) as sdist:
            names = {name.split("/", 1)[1] for name in sdist.getnames() if "/" in name}
        assert {"PKG-INFO", "pyproject.toml", "README.md"} <= names, project.sdist.name
        if not project.is_adapter:
            assert "CHANGELOG.md" in names
            # Each adapter is its own distribution; tests, docs and benchmarks stay in the repository.
            assert not {name for name in names if name.split("/")[0] in {"adapters", "tests", "bench", "docs"}}


@pytest.fixture(scope="session")
def pip_cache() -> dict[str, str]:
    # One pip cache for every virtualenv: the frameworks download once per run, not once per extra.
    env = {key: value for key, value in os.environ.items() if not key.startswith(("VIRTUAL_ENV", "PYTHONPATH"))}
    env.setdefault("PIP_CACHE_DIR", str(Path.home() / ".cache" / "pip"))
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    return env


def fresh_venv(path: Path, env: dict[str, str]) -> Path:
    """A brand-new virtualenv of the running interpreter, with the pip that ``venv`` bundles."""
    venv.EnvBuilder(with_pip=True, clear=True).create(path)
    python = path / "bin" / "python"
    assert subprocess.run([python, "-m", "pip", "--version"], env=env, capture_output=True).returncode == 0
    return python


def installed_from_our_wheel(python: Path, project: Project, env: dict[str, str]) -> bool:
    """The installed distribution is byte for byte the wheel we built (its RECORD matches)."""
    code = f"import importlib.metadata as m; print(m.distribution({project.name!r}).read_text('RECORD'))"
    record = subprocess.run([python, "-c", code], env=env, capture_output=True, text=True, check=True).stdout
    ours = {line.split(",")[0]: line for line in wheel_text(project, "RECORD").splitlines() if line}
    theirs = {line.split(",")[0]: line for line in record.splitlines() if line}
    return all(theirs.get(name) == line for name, line in ours.items() if not name.endswith("RECORD"))


def hosts_of(extra: str) -> list[str]:
    return ["asgi", *([path.name for path in adapter_projects()] if extra == "all" else [extra])]


@pytest.mark.parametrize("extra", EXTRAS)
def test_pip_installs_the_extra_and_serves_a_route_on_each_host(
    extra: str,
    projects: list[Project],
    dist_dir: Path,
    pip_cache: dict[str, str],
    lowest_python: str,
    tmp_path: Path,
) -> None:
    python = fresh_venv(tmp_path / f"venv-{extra}", pip_cache)
    # Ours come only from the built files; the frameworks come from the package index.
    install = subprocess.run(
        [
            python,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-compile",
            "--find-links",
            str(dist_dir),
            f"portable-endpoints[{extra}]",
        ],
        env=pip_cache,
        capture_output=True,
        text=True,
        cwd=tmp_path,  # not the repository root, so nothing there can be picked up
    )
    assert install.returncode == 0, install.stdout + install.stderr
    hosts = hosts_of(extra)
    for project in projects:
        if not project.is_adapter or project.framework in hosts:
            assert installed_from_our_wheel(python, project, pip_cache), f"{project.name} is not our built wheel"
    check = subprocess.run(
        [python, str(ROOT / "packaging_tests" / "site_check.py"), *hosts],
        env=pip_cache,
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert check.returncode == 0, check.stdout + check.stderr
    assert check.stdout.split() == [word for host in hosts for word in (f"{host}:", "ok")]
    if extra == "all":
        for host in hosts:
            assert serve_and_get(python.parent / "portable-endpoints", host, tmp_path, pip_cache) == {
                "id": 7,
                "type": "int",
            }


def serve_and_get(script: Path, host: str, cwd: Path, env: dict[str, str]) -> object:
    """``portable-endpoints serve`` (the console script, a real uvicorn) on 127.0.0.1, then one GET."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
    target = str(ROOT / "packaging_tests" / "site_check.py")
    command = [str(script), "serve", target, "--framework", host, "--port", str(port)]
    process = subprocess.Popen(command, env=env, cwd=cwd, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/users/7", timeout=5) as response:
                    return json.load(io.TextIOWrapper(response, "utf-8"))
            except OSError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise
                time.sleep(0.1)
    finally:
        process.terminate()
        _, stderr = process.communicate(timeout=10)
        assert f"on {host} at http://127.0.0.1:{port}" in stderr, stderr
