"""Who is calling on Django: ``request.user`` is Django's user, ``request.auth`` its credentials.

Django's ``AuthenticationMiddleware`` leaves a lazy ``request.user`` that queries the database
synchronously when first read, which raises ``SynchronousOnlyOperation`` in an async endpoint. So
before the endpoint runs, a request that has that middleware gets its user loaded asynchronously
into ``scope["user"]`` (and back into ``request.native.user``, loaded); Channels' ``AuthMiddleware``
has already put one in a WebSocket's scope. Either way ``scope["auth"]`` gets the user's
credentials, whose scopes are what ``requires`` checks:

- ``"authenticated"`` for an authenticated user, ``"staff"`` and ``"superuser"`` for those flags;
- every permission of ``user.get_all_permissions()`` as ``"app_label.codename"`` (all of them for
  an active superuser), loaded for authenticated users only, so anonymous requests pay nothing.

A scope that already has ``"auth"`` (the portable ``AuthenticationMiddleware`` around the app) is
left as it is: the portable middleware wins. Without Django's or Channels' authentication,
``request.user`` raises Starlette's ``AssertionError``, as on every host.
"""

from __future__ import annotations

from typing import Any

from portable_endpoints.authentication import AuthCredentials
from portable_endpoints.types import Scope
from portable_endpoints_django._compat import HttpRequest, all_permissions, django_user

AUTHENTICATED, STAFF, SUPERUSER = "authenticated", "staff", "superuser"


async def credentials(user: Any) -> AuthCredentials:
    """The scopes of a Django ``user``: none for an anonymous one (no database query)."""
    if not user.is_authenticated:
        return AuthCredentials()
    scopes = [AUTHENTICATED]
    if getattr(user, "is_staff", False):
        scopes.append(STAFF)
    if getattr(user, "is_superuser", False):
        scopes.append(SUPERUSER)
    scopes.extend(sorted(await all_permissions(user)))
    return AuthCredentials(scopes)


def authenticates(scope: Scope, native: HttpRequest | None = None) -> bool:
    """Whether Django (``native``, the HTTP request, has its middleware's ``user``) or Channels
    (a ``user`` in the scope) authenticates this connection, and nothing portable has already."""
    return "auth" not in scope and ("user" in scope or (native is not None and "user" in vars(native)))


async def authenticate(scope: Scope, native: HttpRequest | None = None) -> None:
    """Put Django's user and credentials in ``scope``, when ``authenticates(scope, native)``."""
    user = scope.get("user")
    if user is None:
        if native is None:
            return
        user = await django_user(native)
        if user is None:
            return
        native.user = user  # loaded: the endpoint may read request.native.user too
        scope["user"] = user
    scope["auth"] = await credentials(user)


__all__ = ["AUTHENTICATED", "STAFF", "SUPERUSER", "authenticate", "authenticates", "credentials"]
