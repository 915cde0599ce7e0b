"""Docs that cannot drift: every hook, CLI command and capability is documented."""

from __future__ import annotations

import argparse
import inspect
from pathlib import Path

from portable_endpoints import hookspecs
from portable_endpoints.cli import parser
from portable_endpoints.hosting import OPTIONAL_CAPABILITIES

DOCS = Path(__file__).parent.parent / "docs"


def hook_names() -> list[str]:
    return [name for name, value in vars(hookspecs).items() if name.startswith("pe_") and inspect.isfunction(value)]


def test_every_hook_is_documented_with_its_signature() -> None:
    text = (DOCS / "plugins.md").read_text()
    assert {"pe_adapter_info", "pe_get_adapter", "pe_get_adapter_for_app"} <= set(hook_names())
    for name in hook_names():
        assert f"### {name}\n" in text, f"docs/plugins.md lacks a section for hook {name}"
        parameters = inspect.signature(getattr(hookspecs, name)).parameters
        for parameter in parameters:
            assert f"{parameter}:" in text.split(f"### {name}\n")[1].split("###")[0]


def test_every_hook_spec_says_when_it_is_called_and_what_none_means() -> None:
    for name in hook_names():
        doc = inspect.getdoc(getattr(hookspecs, name)) or ""
        assert "Called by" in doc, name
        assert "None" in doc, name


def test_every_cli_command_is_documented() -> None:
    text = (DOCS / "cli.md").read_text()
    (subcommands,) = [action for action in parser()._actions if isinstance(action, argparse._SubParsersAction)]
    commands = list(subcommands.choices)
    assert commands == ["serve", "adapters", "routes"]
    for command in commands:
        assert f"## `portable-endpoints {command}" in text


def test_every_capability_is_documented() -> None:
    text = (DOCS / "semantics.md").read_text()
    for capability in OPTIONAL_CAPABILITIES:
        assert f"`{capability}`" in text


def documented_objects() -> dict[str, object]:
    """Every ``::: identifier`` of the API reference, resolved by importing it."""
    import importlib
    import re

    found: dict[str, object] = {}
    for page in sorted((DOCS / "reference").glob("*.md")):
        for identifier in re.findall(r"^::: ([\w.]+)$", page.read_text(), re.M):
            module_name, attribute = identifier, ""
            while True:
                try:
                    value: object = importlib.import_module(module_name)
                    break
                except ModuleNotFoundError:
                    module_name, _, last = module_name.rpartition(".")
                    attribute = f"{last}.{attribute}".strip(".")
            for part in filter(None, attribute.split(".")):
                value = getattr(value, part)
            found[identifier] = value
    return found


def test_every_public_name_is_in_the_api_reference() -> None:
    import portable_endpoints as pe

    documented = documented_objects()
    objects = [id(value) for value in documented.values()]
    for name in pe.__all__:
        if name == "__version__":
            assert "portable_endpoints.__version__" in documented
        else:
            assert id(getattr(pe, name)) in objects, f"{name} is not in docs/reference/*.md"


def test_every_testing_name_is_in_the_api_reference() -> None:
    import portable_endpoints.testing as testing

    objects = [id(value) for value in documented_objects().values()]
    for name in testing.__all__:
        assert id(getattr(testing, name)) in objects, f"portable_endpoints.testing.{name} is not documented"


def test_every_name_of_the_adapter_interface_is_documented() -> None:
    from portable_endpoints import hosting

    text = (DOCS / "plugins.md").read_text()
    for name in hosting.__all__:
        assert f"`{name}" in text, f"docs/plugins.md does not document portable_endpoints.hosting.{name}"


def test_the_adapter_interface_all_is_sorted() -> None:
    from portable_endpoints import hosting

    assert hosting.__all__ == sorted(hosting.__all__)


def test_every_name_of_the_adapter_interface_is_in_the_api_reference() -> None:
    from portable_endpoints import hosting

    documented = documented_objects()
    objects = [id(value) for value in documented.values()]
    for name in hosting.__all__:
        assert id(getattr(hosting, name)) in objects, f"portable_endpoints.hosting.{name} is not in the API reference"
    assert "portable_endpoints.types" in documented


def test_every_broadcast_name_is_in_the_api_reference() -> None:
    from portable_endpoints import broadcast

    documented = documented_objects()
    for name in broadcast.__all__:
        assert f"portable_endpoints.broadcast.{name}" in documented, f"portable_endpoints.broadcast.{name}"


def fenced_blocks(text: str) -> list[str]:
    """The contents of every fenced code block of a Markdown page."""
    import re

    return [match.group(1) for match in re.finditer(r"^```[\w-]*\n(.*?)^```$", text, re.M | re.S)]


def test_the_third_party_page_shows_the_tested_adapter_verbatim() -> None:
    """docs/third-party.md is the tiny adapter the thirdparty session runs the suite on, file for file.

    The kit's block is fenced ``py`` (it imports its package relatively, so it runs only installed,
    where the suite runs it); the others also run as docs examples.
    """
    tiny = Path(__file__).parent / "thirdparty" / "tiny_adapter"
    blocks = fenced_blocks((DOCS / "third-party.md").read_text())
    for name in ("tinyhost/__init__.py", "tinyhost/plugin.py", "tinyhost/testing.py", "pyproject.toml"):
        assert (tiny / name).read_text() in blocks, f"docs/third-party.md does not show {name} as it is"


def test_the_third_party_page_gives_the_one_command_that_runs_the_suite() -> None:
    text = (DOCS / "third-party.md").read_text()
    assert "pip install 'portable-endpoints[testing]' -e .\npytest --pe-adapter tiny\n" in text
    assert "in-tree adapters" not in text  # self-contained: nothing a wheel does not show
