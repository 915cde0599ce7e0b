"""``portable-endpoints``: serve routes on any installed framework, list adapters, show native routes."""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from portable_endpoints import _plugins
from portable_endpoints._api import adapters, create_app, native_routes
from portable_endpoints.exceptions import PortableEndpointsError
from portable_endpoints.routing import BaseRoute

TARGET_ENV = "PORTABLE_ENDPOINTS_SERVE_TARGET"
FRAMEWORK_ENV = "PORTABLE_ENDPOINTS_SERVE_FRAMEWORK"


class CLIError(PortableEndpointsError):
    pass


def load_routes(target: str) -> list[BaseRoute]:
    """``module:attr`` or ``path/to/file.py[:attr]``; ``attr`` defaults to ``routes``."""
    location, _, attribute = target.partition(":")
    attribute = attribute or "routes"
    if location.endswith(".py") or os.sep in location:
        path = Path(location)
        if not path.is_file():
            raise CLIError(f"No such file: {location}")
        spec = importlib.util.spec_from_file_location(path.stem, path)
        if spec is None or spec.loader is None:
            raise CLIError(f"Cannot load {location} as a module")
        module = importlib.util.module_from_spec(spec)
        sys.modules[path.stem] = module
        spec.loader.exec_module(module)
    else:
        sys.path.insert(0, os.getcwd())
        try:
            module = importlib.import_module(location)
        except ModuleNotFoundError as exc:
            raise CLIError(f"Cannot import {location!r}: {exc}") from exc
    try:
        routes = getattr(module, attribute)
    except AttributeError:
        raise CLIError(f"{location} has no attribute {attribute!r} (expected a list of routes)") from None
    if isinstance(routes, BaseRoute):
        return [routes]
    if not isinstance(routes, list | tuple) or not all(isinstance(route, BaseRoute) for route in routes):
        raise CLIError(f"{target} is {routes!r}; expected a list of Route / WebSocketRoute / Mount")
    return list(routes)


def default_framework() -> str:
    available = {info.name for info in adapters() if info.available}
    return "starlette" if "starlette" in available else "asgi"


def build_app_from_env() -> Any:
    """The app factory ``serve --reload`` hands to uvicorn (it needs an import string)."""
    return create_app(load_routes(os.environ[TARGET_ENV]), framework=os.environ[FRAMEWORK_ENV])


def _serve(args: argparse.Namespace) -> int:
    try:
        import uvicorn
    except ImportError:
        raise CLIError("serve needs uvicorn: pip install 'portable-endpoints[serve]'") from None
    framework = args.framework or default_framework()
    app = create_app(load_routes(args.target), framework=framework)
    print(f"Serving {args.target} on {framework} at http://{args.host}:{args.port}", file=sys.stderr)
    if args.reload:
        os.environ[TARGET_ENV], os.environ[FRAMEWORK_ENV] = args.target, framework
        uvicorn.run(
            "portable_endpoints.cli:build_app_from_env",
            factory=True,
            host=args.host,
            port=args.port,
            reload=True,
        )
    else:
        uvicorn.run(app, host=args.host, port=args.port)
    return 0


def _adapters(args: argparse.Namespace) -> int:
    infos = adapters()
    for info in infos:
        if info.available:
            capabilities = ", ".join(sorted(info.capabilities)) or "-"
            print(
                f"{info.name:<10} {info.distribution} {info.version}  "
                f"{info.framework} {info.framework_version}  capabilities: {capabilities}"
            )
        else:
            print(f"{info.name:<10} unavailable: {info.problem}")
    names = {info.name for info in infos}
    for extra in _plugins.KNOWN_EXTRAS:
        if extra not in names:
            print(f"{extra:<10} not installed: pip install 'portable-endpoints[{extra}]'")
    return 0


def _routes(args: argparse.Namespace) -> int:
    framework = args.framework or default_framework()
    routes = native_routes(load_routes(args.target), framework=framework)
    for route in routes if isinstance(routes, list) else [routes]:
        print(repr(route))
    return 0


def parser() -> argparse.ArgumentParser:
    main_parser = argparse.ArgumentParser(prog="portable-endpoints", description=__doc__)
    commands = main_parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="serve routes with uvicorn")
    serve.add_argument("target", help="module:routes or path/to/file.py[:routes]")
    serve.add_argument("--framework", help="adapter name (default: starlette if installed, else asgi)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--reload", action="store_true")
    serve.set_defaults(run=_serve)
    listing = commands.add_parser("adapters", help="list installed adapters and their capabilities")
    listing.set_defaults(run=_adapters)
    routes = commands.add_parser("routes", help="print the native routes built for a framework")
    routes.add_argument("target")
    routes.add_argument("--framework")
    routes.set_defaults(run=_routes)
    return main_parser


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        result: int = args.run(args)
    except PortableEndpointsError as exc:
        print(f"portable-endpoints: error: {exc}", file=sys.stderr)
        return 2
    return result


if __name__ == "__main__":
    sys.exit(main())
