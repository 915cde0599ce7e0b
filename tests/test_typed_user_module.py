"""The typed user module (``tests/typed_user_module.py``) holds no escape hatch, and runs on every host.

The typecheck session runs mypy --strict over it; these tests keep that check honest (no ignores,
no ``Any``) and prove that what type-checks also serves the same answers everywhere.
"""

from __future__ import annotations

import re
import uuid
from pathlib import Path

import pytest

from portable_endpoints.testing.plugin import Host

from . import typed_user_module as user_module

pytestmark = pytest.mark.anyio
ROOT = Path(__file__).parent.parent


def test_the_module_has_no_type_escape_hatches() -> None:
    source = Path(user_module.__file__).read_text()
    assert "type: ignore" not in source
    assert not re.search(r"\bAny\b", source)
    assert "cast(" not in source


def test_mypy_is_strict_and_checks_the_tests_directory() -> None:
    pyproject = (ROOT / "pyproject.toml").read_text()
    assert re.search(r"^\[tool\.mypy\]\nstrict = true$", pyproject, re.M)
    noxfile = (ROOT / "noxfile.py").read_text()
    typecheck = noxfile.split("def typecheck(", 1)[1].split("\n@nox.session", 1)[0]
    assert '"tests"' in typecheck


async def test_typed_routes_answer_on_every_host(pe_host: Host) -> None:
    item = uuid.uuid4()
    async with pe_host.client(user_module.routes) as client:
        user = await client.get("/users/41?verbose=1&tag=a&tag=b", headers={"user-agent": "typed"})
        assert user.json() == {"id": 42, "verbose": True, "tags": ["a", "b"], "agent": True}
        renamed = await client.put("/users/7", json={"name": "ada lovelace"})
        assert renamed.json() == {"name": "Ada Lovelace", "url": "http://testserver/users/7"}
        assert (await client.put("/users/7", json={"name": 3})).status_code == 422
        assert (await client.get(f"/items/{item}")).text == item.hex
        upload = await client.post("/upload", files={"file": ("a.txt", b"hello", "text/plain")})
        assert upload.json() == {"filename": "a.txt", "size": 5}
        raw = await client.post("/raw?times=3", content=b"ab", headers={"content-type": "text/plain"})
        assert raw.text == "ababab"
        async with client.websocket_connect("/ws/text") as ws:
            await ws.send_text("hi")
            assert await ws.receive_text() == "HI"
        async with client.websocket_connect("/ws/bytes") as ws:
            await ws.send_bytes(b"abc")
            assert await ws.receive_bytes() == b"cba"
        async with client.websocket_connect("/ws/json") as ws:
            await ws.send_json({"a": [1]})
            assert await ws.receive_json() == {"echo": {"a": [1]}}
        async with client.websocket_connect("/ws/raw", subprotocols=["chat"]) as ws:
            await ws.send_bytes(b"\x00")
            assert await ws.receive_bytes() == b"\x00"
            await ws.send_text("t")
            assert await ws.receive_text() == "t"
    assert "user 41" in user_module.audit
