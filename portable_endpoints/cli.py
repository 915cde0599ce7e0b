"""``portable-endpoints``: serve routes on any installed framework, list adapters, show native routes.

Every failure is one line on stderr, ``portable-endpoints: error: ...``, saying what to do, and
exit status 2.
"""

from __future__ import annotations

import argparse
import errno
import importlib
import importlib.util
import os
import socket
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from portable_endpoints import _plugins
from portable_endpoints._api import adapters, create_app
from portable_endpoints.exceptions import AdapterNotFound, PortableEndpointsError
from portable_endpoints.routing import BaseRoute, Route, RouteTable

TARGET_ENV = "PORTABLE_ENDPOINTS_SERVE_TARGET"
FRAMEWORK_ENV = "PORTABLE_ENDPOINTS_SERVE_FRAMEWORK"
TARGET_FORMS = "module:ROUTES or path/to/file.py[:ROUTES]"


class CLIError(PortableEndpointsError):
    """A command-line failure; its message is the one line the user sees."""


def _import_target(location: str) -> Any:
    if location.endswith(".py") or os.sep in location:
        path = Path(location)
        if not path.is_file():
            raise CLIError(f"No such file: {location} (give {TARGET_FORMS})")
        spec = importlib.util.spec_from_file_location(path.stem, path)
        if spec is None or spec.loader is None:
            raise CLIError(f"Cannot load {location} as a Python module (give {TARGET_FORMS})")
        module = importlib.util.module_from_spec(spec)
        sys.modules[path.stem] = module
        loader = spec.loader
        _run_module(location, f"python {location}", lambda: loader.exec_module(module))
        return module
    if not location or not all(part.isidentifier() for part in location.split(".")):
        raise CLIError(f"{location!r} is not a module name (give {TARGET_FORMS})")
    if os.getcwd() not in sys.path:
        sys.path.insert(0, os.getcwd())
    try:
        found = importlib.util.find_spec(location)
    except ModuleNotFoundError:
        found = None
    if found is None:
        raise CLIError(f"No module named {location!r} importable from {os.getcwd()} (give {TARGET_FORMS})")
    return _run_module(location, f"python -c 'import {location}'", lambda: importlib.import_module(location))


def _run_module(location: str, rerun: str, run: Callable[[], Any]) -> Any:
    try:
        return run()
    except ModuleNotFoundError as exc:
        raise CLIError(f"{location} imports {exc.name!r}, which is not installed: install it, then retry") from exc
    except Exception as exc:
        raise CLIError(
            f"Importing {location} raised {type(exc).__name__}: {exc}; fix the module ({rerun} shows the traceback)"
        ) from exc


#: Module-level names ``serve`` passes to ``create_app`` when the target module defines them:
#: Starlette's constructor arguments of the same names, so a ported app keeps its own.
APP_OPTION_NAMES = ("middleware", "lifespan", "exception_handlers")


def load_routes(target: str) -> list[BaseRoute]:
    """``module:attr`` or ``path/to/file.py[:attr]``; ``attr`` defaults to ``routes``."""
    return load_target(target)[0]


def load_target(target: str) -> tuple[list[BaseRoute], dict[str, Any]]:
    """The routes ``target`` names, and the app options (``APP_OPTION_NAMES``) its module defines."""
    location, _, attribute = target.partition(":")
    attribute = attribute or "routes"
    module = _import_target(location)
    options = {name: getattr(module, name) for name in APP_OPTION_NAMES if getattr(module, name, None) is not None}
    try:
        routes = getattr(module, attribute)
    except AttributeError:
        lists = [name for name, value in vars(module).items() if not name.startswith("_") and _is_route_list(value)]
        hint = f"route lists there: {', '.join(lists)}" if lists else "it defines no list of routes"
        raise CLIError(
            f"{location} has no attribute {attribute!r}; name the route list as {location}:NAME ({hint})"
        ) from None
    if isinstance(routes, BaseRoute):
        return [routes], options
    if not _is_route_list(routes):
        raise CLIError(
            f"{location}:{attribute} is a {type(routes).__name__}, not a list of routes; "
            "point at a list of Route / WebSocketRoute / Mount"
        )
    return list(routes), options


def _is_route_list(value: object) -> bool:
    return isinstance(value, list | tuple) and bool(value) and all(isinstance(route, BaseRoute) for route in value)


def default_framework() -> str:
    available = {info.name for info in adapters() if info.available}
    return "starlette" if "starlette" in available else "asgi"


def _adapter(framework: str) -> Any:
    try:
        return _plugins.get_adapter(framework)
    except AdapterNotFound as exc:
        raise CLIError(f"{exc}; pass one of them with --framework") from exc


def _check_port_free(host: str, port: int) -> None:
    """Fail with one line now, rather than with uvicorn's log lines after startup."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise CLIError(f"Cannot listen on host {host!r} ({exc.strerror}); pass an address with --host") from exc
    family, kind, proto, _, address = infos[0]
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise CLIError(f"Port {port} on {host} is already in use; pick another with --port") from exc
            raise CLIError(f"Cannot listen on {host}:{port} ({exc.strerror}); pick another --host or --port") from exc


def build_app_from_env() -> Any:
    """The app factory ``serve --reload`` hands to uvicorn (it needs an import string)."""
    return build_app(os.environ[TARGET_ENV], os.environ[FRAMEWORK_ENV])


def build_app(target: str, framework: str) -> Any:
    """The app ``serve`` runs: ``create_app`` of the target's routes and its module's app options."""
    routes, options = load_target(target)
    return create_app(routes, framework=framework, **options)


def _serve(args: argparse.Namespace) -> int:
    try:
        import uvicorn
    except ImportError:
        raise CLIError("serve needs uvicorn: pip install 'portable-endpoints[serve]'") from None
    framework = args.framework or default_framework()
    _adapter(framework)
    app = build_app(args.target, framework)
    if not 0 < args.port < 65536:
        raise CLIError(f"Port {args.port} is not a TCP port; pass --port between 1 and 65535")
    _check_port_free(args.host, args.port)
    print(f"Serving {args.target} on {framework} at http://{args.host}:{args.port}", file=sys.stderr)
    if args.reload:
        # The reloader re-imports the target in a fresh process on every change, from these.
        os.environ[TARGET_ENV], os.environ[FRAMEWORK_ENV] = args.target, framework
        uvicorn.run(
            "portable_endpoints.cli:build_app_from_env",
            factory=True,
            host=args.host,
            port=args.port,
            reload=True,
            reload_dirs=[os.getcwd(), *_target_dirs(args.target)],
        )
    else:
        uvicorn.run(app, host=args.host, port=args.port)
    return 0


def _target_dirs(target: str) -> list[str]:
    """The target file's directory, when it is outside the working directory uvicorn watches anyway."""
    location = target.partition(":")[0]
    if location.endswith(".py") or os.sep in location:
        directory = Path(location).resolve().parent
        if not directory.is_relative_to(Path.cwd().resolve()):
            return [str(directory)]
    return []


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


def route_rows(routes: Sequence[BaseRoute], framework: str) -> list[tuple[str, str, str]]:
    """(methods, path in the host's syntax, name) per route, as ``portable-endpoints routes`` prints them.

    An adapter may offer ``host_paths(table)``, each route's path as its framework writes it;
    without it, the path is shown in the portable (Starlette) syntax, which the host then matches.
    """
    adapter = _adapter(framework)
    table = RouteTable(routes)
    host_paths = getattr(adapter, "host_paths", None)
    paths = host_paths(table) if host_paths is not None else [route.path for route in table]
    return [
        (", ".join(route.methods) if isinstance(route, Route) else "WEBSOCKET", path, route.name)
        for route, path in zip(table, paths, strict=True)
    ]


def _routes(args: argparse.Namespace) -> int:
    framework = args.framework or default_framework()
    _adapter(framework)
    rows = [("METHODS", f"PATH ({framework})", "NAME"), *route_rows(load_routes(args.target), framework)]
    widths = [max(len(row[column]) for row in rows) for column in range(2)]
    for methods, path, name in rows:
        print(f"{methods:<{widths[0]}}  {path:<{widths[1]}}  {name}".rstrip())
    return 0


def parser() -> argparse.ArgumentParser:
    main_parser = argparse.ArgumentParser(prog="portable-endpoints", description=__doc__)
    commands = main_parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="serve routes with uvicorn")
    serve.add_argument("target", help=TARGET_FORMS + " (ROUTES defaults to routes)")
    serve.add_argument("--framework", help="adapter name (default: starlette if installed, else asgi)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--reload", action="store_true", help="restart when a Python file changes")
    serve.set_defaults(run=_serve)
    listing = commands.add_parser("adapters", help="list installed adapters and their capabilities")
    listing.set_defaults(run=_adapters)
    routes = commands.add_parser("routes", help="print each route's methods, path in the host's syntax and name")
    routes.add_argument("target", help=TARGET_FORMS)
    routes.add_argument("--framework", help="adapter name (default: starlette if installed, else asgi)")
    routes.set_defaults(run=_routes)
    return main_parser


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        result: int = args.run(args)
    except PortableEndpointsError as exc:
        message = " ".join(str(exc).split())  # always one line
        print(f"portable-endpoints: error: {message}", file=sys.stderr)
        return 2
    return result


if __name__ == "__main__":
    sys.exit(main())
