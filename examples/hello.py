"""The seed's first example: Homepage and User routes. ``portable-endpoints serve examples/hello.py``."""

from portable_endpoints.endpoints import HTTPEndpoint
from portable_endpoints.requests import Request
from portable_endpoints.responses import PlainTextResponse
from portable_endpoints.routing import Route


class Homepage(HTTPEndpoint):
    async def get(self, request: Request) -> PlainTextResponse:
        return PlainTextResponse("Hello, world!")


class User(HTTPEndpoint):
    async def get(self, request: Request) -> PlainTextResponse:
        username = request.path_params["username"]
        return PlainTextResponse(f"Hello, {username}")


routes = [Route("/", Homepage), Route("/{username}", User)]


class App(HTTPEndpoint):
    """An endpoint class is itself an ASGI app: ``uvicorn examples.hello:App``."""

    async def get(self, request: Request) -> PlainTextResponse:
        return PlainTextResponse("Hello, world!")
