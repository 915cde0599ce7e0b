"""The reference for ``tests/test_ported_notes.py``: the Starlette original of the notes site passes
the same checks that its port passes on every host."""

from __future__ import annotations

import pytest

from examples.notes_starlette import app
from tests.notes_checks import check_notes_site

pytestmark = pytest.mark.anyio


async def test_the_starlette_original_passes_the_notes_checks() -> None:
    await check_notes_site(app)
