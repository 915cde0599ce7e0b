"""The real-server test app (``tests/test_servers.py``'s routes) on Django, for daphne in a subprocess.

``/seen`` reports what the endpoints saw (close codes reaching ``on_disconnect``), since the
test process cannot look into the server's.
"""

from __future__ import annotations

from portable_endpoints import JSONResponse, Request, Route, create_app
from tests.test_servers import ROUTES, SEEN


async def seen(request: Request) -> JSONResponse:
    return JSONResponse(SEEN.events)


app = create_app([*ROUTES, Route("/seen", seen)], framework="django")
