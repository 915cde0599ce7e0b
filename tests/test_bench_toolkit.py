"""The toolkit rows' two sides (``bench.toolkit``): on every installed host, the portable feature and
its native equivalent answer every timed request alike (status, content type and encoding, decoded
body, CORS's verdict, Content-Range), and their open SSE streams end (or are ended) when the client
leaves; what ``python -m bench`` checks before it times anything, run here on what is installed."""

from __future__ import annotations

import asyncio

import pytest

from bench.apps import available_hosts
from bench.driver import VARIANTS, Lifespan
from bench.toolkit import (
    TOOLKIT_COMPARISONS,
    ToolkitComparison,
    answer,
    close_streams,
    differences,
    open_streams,
    select_toolkit,
)
from bench.toolkit_fixture import Fixture

#: the comparisons this environment can build: their host installed, their native side's extensions too
RUNNABLE = select_toolkit([host for host, problem in available_hosts().items() if problem is None])


def test_every_host_but_the_starlette_ones_is_compared_with_its_own_equivalent() -> None:
    hosts = {item.host for item in TOOLKIT_COMPARISONS}
    assert hosts == {"starlette", "asgi", "fastapi", "litestar", "quart", "django", "falcon", "sanic"}
    keys = [item.key for item in TOOLKIT_COMPARISONS]
    assert len(keys) == len(set(keys))
    for item in TOOLKIT_COMPARISONS:
        assert item.requests, item.key
        if item.host in ("starlette", "asgi"):
            assert item.native.__module__ == "bench.toolkit", item.key
        else:
            assert item.native.__module__ == "bench.toolkit_native", item.key


@pytest.mark.parametrize("item", RUNNABLE, ids=[item.key for item in RUNNABLE])
# Django's own static view hands its ASGI handler a file iterator, which Django warns it reads synchronously.
@pytest.mark.filterwarnings("ignore:StreamingHttpResponse must consume synchronous iterators")
def test_both_sides_answer_every_request_alike(item: ToolkitComparison) -> None:
    async def check() -> None:
        fixture = Fixture()
        lifespans = []
        try:
            apps = {variant: item.build(variant, fixture) for variant in VARIANTS}
            lifespans = [Lifespan(app) for app in apps.values()]
            for lifespan in lifespans:
                await lifespan.startup()
            assert await differences(item, apps, fixture) == []
            for request in item.requests:
                found = await answer(apps["portable"], request.case(fixture))
                assert found.status == request.status, request.route
                if request.status == 200:
                    assert found.body, request.route
            if item.open_streams:
                for variant in VARIANTS:
                    streams = await open_streams(apps[variant], 3)
                    await close_streams(streams, end_on_leave=item.ends_on_leave(variant))
        finally:
            for lifespan in lifespans:
                await lifespan.shutdown()
            fixture.cleanup()

    asyncio.run(check())


def test_a_middleware_row_names_the_stack_both_sides_run() -> None:
    labels = {item.host: item.requests[0].route for item in TOOLKIT_COMPARISONS if item.feature == "middleware"}
    assert labels["starlette"].startswith("CORS+GZip+sessions GET")
    assert labels["quart"].startswith("CORS+sessions GET")
    assert labels["django"].startswith("GZip+sessions GET")
    assert labels["falcon"].startswith("CORS GET")
    assert labels["sanic"].startswith("CORS GET")
