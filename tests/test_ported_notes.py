"""A whole Starlette app, ported by changing its imports, passes its own tests on every host.

``examples/notes_starlette.py`` is the original (templates, static files, sessions, GZip and a
``BaseHTTPMiddleware``, lifespan state, a 404 handler, a WebSocket); ``examples/notes.py`` is its
port. The Starlette original passes the same checks in the Starlette adapter's tests.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from portable_endpoints.cli import build_app
from portable_endpoints.testing.plugin import Host

from .notes_checks import check_notes_site

pytestmark = pytest.mark.anyio
EXAMPLES = Path(__file__).parent.parent / "examples"
IMPORT = re.compile(r"^from (starlette|portable_endpoints)(\.[\w.]+)? import .*\n", re.MULTILINE)


def _without_imports_and_app(path: Path) -> tuple[str, list[tuple[str, str]]]:
    """The module's code below its docstring with the framework imports and the app line taken out,
    and those imports as (module below the package, names)."""
    source = path.read_text(encoding="utf-8")
    code = source[source.index('"""', 3) + 3 :]
    imports = [
        (found.group(2) or "", found.group(0).split(" import ", 1)[1].strip())
        for found in IMPORT.finditer(code)
        if found.group(0) != "from starlette.applications import Starlette\n"
    ]
    code = IMPORT.sub("", code)
    code = re.sub(r"\napp = Starlette\(.*\)\n", "\n", code)
    return code.strip(), imports


def test_the_port_changes_only_the_imports() -> None:
    original, original_imports = _without_imports_and_app(EXAMPLES / "notes_starlette.py")
    port, port_imports = _without_imports_and_app(EXAMPLES / "notes.py")
    assert port == original
    # Each Starlette module is replaced by the portable module of the same name, for the same names.
    assert port_imports == original_imports


async def test_the_ported_notes_site_passes_its_own_tests(pe_host: Host) -> None:
    # As `portable-endpoints serve examples/notes.py --framework NAME` builds it.
    await check_notes_site(build_app(str(EXAMPLES / "notes.py"), pe_host.name))
