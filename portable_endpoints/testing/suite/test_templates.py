"""``Jinja2Templates`` on every host: a ``TemplateResponse`` rendered by a portable endpoint.

The template links to another route with ``url_for`` (under the mount prefix and ``root_path``),
takes variables from a context processor, and the response keeps its status, headers and
background task; ``.template`` and ``.context`` stay readable on the response the endpoint built.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import anyio
import pytest

import portable_endpoints as pe
from portable_endpoints import BackgroundTask, HTTPEndpoint, PlainTextResponse, Request, Response, Route
from portable_endpoints.templating import Jinja2Templates
from portable_endpoints.testing.native_kit import NoNativeKit
from portable_endpoints.testing.plugin import COMPOSITIONS, Host

pytestmark = pytest.mark.anyio

PAGE = "<a href='{{ url_for('user', name='ada') }}'>{{ greeting }}, {{ who }}</a> at {{ request.url.path }}"
CASES = [
    pytest.param(composition, prefix, root_path, id=f"{composition}-prefix[{prefix}]-root[{root_path}]")
    for composition in COMPOSITIONS
    for prefix, root_path in (("", ""), ("/v1", "/root"))
]


def greeting(request: Request) -> dict[str, str]:
    return {"greeting": f"Hello from {request.method}"}


class Site:
    """The routes, and what their endpoints built, for the test to read."""

    def __init__(self, directory: Path) -> None:
        (directory / "page.html").write_text(PAGE)
        self.templates = Jinja2Templates(directory=directory, context_processors=[greeting])
        self.built: list[Any] = []
        self.task_ran = anyio.Event()
        site = self

        class Page(HTTPEndpoint):
            async def get(self, request: Request) -> Response:
                response = site.templates.TemplateResponse(
                    request,
                    "page.html",
                    {"who": "world"},
                    status_code=203,
                    headers={"x-page": "yes"},
                    background=BackgroundTask(site.task_ran.set),
                )
                site.built.append(response)
                return response

        async def user(request: Request) -> PlainTextResponse:
            return PlainTextResponse(f"user {request.path_params['name']}")

        self.routes = [Route("/page", Page), Route("/users/{name}", user, name="user")]


@pytest.mark.parametrize(("composition", "prefix", "root_path"), CASES)
async def test_a_template_response_on_every_host(
    pe_host: Host, tmp_path: Path, composition: str, prefix: str, root_path: str
) -> None:
    site = Site(tmp_path)
    if composition == "native_routes" and pe_host.native_kit is None:
        with pytest.raises(NoNativeKit, match=f"The {pe_host.name!r} adapter provides no native kit"):
            pe_host.build(site.routes, composition, prefix=prefix)
        return
    base = f"{root_path}{prefix}"
    async with pe_host.client(site.routes, composition=composition, prefix=prefix, root_path=root_path) as client:
        response = await client.get(f"{prefix}/page")
        assert response.status_code == 203, response.text
        assert response.text == (
            f"<a href='http://testserver{base}/users/ada'>Hello from GET, world</a> at {base}/page"
        )
        assert response.headers["x-page"] == "yes"
        assert response.headers["content-type"] == "text/html; charset=utf-8"
        assert response.headers["content-length"] == str(len(response.content))
        with anyio.fail_after(5):
            await site.task_ran.wait()

        # The link the template rendered leads to the other route.
        link = response.text.split("'")[1].removeprefix(f"http://testserver{root_path}")
        assert (await client.get(link)).text == "user ada"

        head = await client.head(f"{prefix}/page")
        assert (head.status_code, head.content) == (203, b"")
        assert head.headers["content-type"] == "text/html; charset=utf-8"

    built = site.built[0]
    assert built.template.name == "page.html"
    assert set(built.context) == {"request", "who", "greeting"}
    assert built.context["who"] == "world"
    assert isinstance(built.context["request"], pe.Request)


async def test_template_errors_reach_the_host_as_errors(pe_host: Host, tmp_path: Path) -> None:
    (tmp_path / "broken.html").write_text("{{ url_for('nowhere') }}")
    templates = Jinja2Templates(directory=tmp_path)

    async def broken(request: Request) -> Response:
        return templates.TemplateResponse(request, "broken.html")

    async def missing(request: Request) -> Response:
        return templates.TemplateResponse(request, "missing.html")

    routes = [Route("/broken", broken), Route("/missing", missing)]
    async with pe_host.client(routes, raise_app_exceptions=False) as client:
        assert (await client.get("/broken")).status_code == 500
        assert (await client.get("/missing")).status_code == 500
