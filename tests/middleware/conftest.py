"""Starlette's ``test_client_factory`` fixture, for the ported middleware tests.

``await test_client_factory(app, **options)`` opens a portable ``TestClient`` (closed after the
test); it takes Starlette's ``cookies=`` too.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from typing import Any

import pytest

from portable_endpoints.testing import TestClient
from portable_endpoints.types import ASGIApp
from tests.middleware.porting import TestClientFactory


@pytest.fixture
async def test_client_factory() -> AsyncIterator[TestClientFactory]:
    async with AsyncExitStack() as stack:

        async def factory(app: ASGIApp, *, cookies: dict[str, str] | None = None, **options: Any) -> TestClient:
            # As Starlette's client outside a ``with`` block: no lifespan.
            options.setdefault("lifespan", False)
            client = await stack.enter_async_context(TestClient(app, **options))
            client.cookies.update(cookies or {})
            return client

        yield factory
