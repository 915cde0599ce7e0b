"""Every ```python block of the docs and the README runs, so no example can rot.

Each block runs alone, in a fresh interpreter, from the repository root, with every adapter
installed (the ``docs`` nox session). A block that defines ``app`` is then served through the test
client: each parameter-free GET route of its ``routes`` must answer 200, and with no such route
``GET /`` must answer without a server error. Snippets that cannot run that way are fenced as
```text, ```console, ```bash or ```toml instead.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent
FENCE = re.compile(r"^(?P<indent>[ \t]*)```python[^\n]*\n(?P<code>.*?)^(?P=indent)```[ \t]*$", re.M | re.S)

# Runs one block (read from stdin) as the module ``docs_example``, then serves its ``app``.
HARNESS = """
import asyncio, json, sys, types

label = sys.argv[1]
module = types.ModuleType("docs_example")
module.__file__ = label
sys.modules["docs_example"] = module
exec(compile(sys.stdin.read(), label, "exec"), module.__dict__)
app, routes, served = module.__dict__.get("app"), module.__dict__.get("routes"), []
if app is not None:
    import portable_endpoints as pe
    from portable_endpoints.testing import TestClient

    paths = []
    if isinstance(routes, (list, tuple)):
        table = pe.RouteTable(list(routes))
        paths = [r.path for r in table.http_routes if not r.compiled.param_kinds and "GET" in r.methods]

    async def serve():
        async with TestClient(app) as client:
            for path in paths or ["/"]:
                served.append([path, (await client.get(path)).status_code, bool(paths)])

    asyncio.run(serve())
print("\\n" + json.dumps(served))
"""


def dedent(code: str, indent: str) -> str:
    return "".join(line[len(indent) :] if line.startswith(indent) else line for line in code.splitlines(True))


def documents() -> list[Path]:
    return [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]


def python_blocks() -> list[tuple[str, str]]:
    blocks = []
    for document in documents():
        text = document.read_text()
        for match in FENCE.finditer(text):
            line = text.count("\n", 0, match.start()) + 1
            label = f"{document.relative_to(ROOT)}:{line}"
            blocks.append((label, dedent(match.group("code"), match.group("indent"))))
    return blocks


BLOCKS = python_blocks()


def test_the_docs_have_python_examples() -> None:
    labels = {label.split(":")[0] for label, _ in BLOCKS}
    assert {"README.md", "docs/index.md", "docs/getting-started.md"} <= labels
    assert len(BLOCKS) >= 10


@pytest.mark.parametrize(("label", "code"), BLOCKS, ids=[label for label, _ in BLOCKS])
def test_docs_example_runs(label: str, code: str) -> None:
    # Line numbers in tracebacks match the document: pad the block to its first line.
    padded = "\n" * int(label.rsplit(":", 1)[1]) + code
    result = subprocess.run(
        [sys.executable, "-c", HARNESS, label.rsplit(":", 1)[0]],
        input=padded,
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )
    assert result.returncode == 0, f"{label} failed:\n{result.stdout}\n{result.stderr}"
    served = json.loads(result.stdout.rstrip().rsplit("\n", 1)[-1])
    for path, status, declared in served:
        if declared:
            assert status == 200, f"{label}: GET {path} answered {status}"
        else:
            assert status < 500, f"{label}: GET {path} answered {status}"
