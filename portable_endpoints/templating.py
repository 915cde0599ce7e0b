"""Jinja2 templates, Starlette 1.10's ``Jinja2Templates``, rendered into a neutral ``HTMLResponse``.

Ported from Starlette's ``starlette/templating.py`` (BSD-3-Clause, Copyright © 2018, Encode OSS Ltd.).
``TemplateResponse(request, name, context)`` renders at once; the response is a neutral
``HTMLResponse`` (so every host sends it) that keeps ``.template`` and ``.context``. The templates
get ``url_for``, which calls ``request.url_for`` of the portable request: it resolves route names
on every host.

jinja2 is optional: ``pip install "portable-endpoints[templates]"``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from os import PathLike
from typing import Any, overload

from portable_endpoints.background import BackgroundTask
from portable_endpoints.datastructures import URL
from portable_endpoints.requests import Request
from portable_endpoints.responses import HTMLResponse
from portable_endpoints.types import Receive, Scope, Send

try:
    import jinja2
except ImportError as _import_error:
    raise ImportError(
        'jinja2 must be installed to use Jinja2Templates: pip install "portable-endpoints[templates]"'
    ) from _import_error

ContextProcessor = Callable[[Request[Any]], dict[str, Any]]


class _TemplateResponse(HTMLResponse):
    """The rendered template, with the ``template`` and ``context`` it was rendered from."""

    def __init__(
        self,
        template: Any,
        context: dict[str, Any],
        status_code: int = 200,
        headers: Mapping[str, str] | None = None,
        media_type: str | None = None,
        background: BackgroundTask | None = None,
    ):
        self.template = template
        self.context = context
        content = template.render(context)
        super().__init__(content, status_code, headers, media_type, background)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        # Starlette's test client asks for the template and context through this ASGI extension.
        request = self.context.get("request", {})
        extensions = request.get("extensions", {})
        if "http.response.debug" in extensions:
            await send({"type": "http.response.debug", "info": {"template": self.template, "context": self.context}})
        await super().__call__(scope, receive, send)


class Jinja2Templates:
    """Jinja2 template renderer.

    Example:
        ```python
        from portable_endpoints.templating import Jinja2Templates

        templates = Jinja2Templates(directory="templates")

        async def homepage(request: Request) -> Response:
            return templates.TemplateResponse(request, "index.html")
        ```

    :param directory: the directory (or directories, searched in order) the templates are loaded
        from, autoescaped as ``jinja2.select_autoescape()`` decides.
    :param env: a ready ``jinja2.Environment`` instead (exactly one of ``directory`` and ``env``).
    :param context_processors: functions of the request returning variables every template gets.
    """

    @overload
    def __init__(
        self,
        directory: str | PathLike[str] | Sequence[str | PathLike[str]],
        *,
        context_processors: list[ContextProcessor] | None = None,
    ) -> None: ...

    @overload
    def __init__(
        self,
        *,
        env: jinja2.Environment,
        context_processors: list[ContextProcessor] | None = None,
    ) -> None: ...

    def __init__(
        self,
        directory: str | PathLike[str] | Sequence[str | PathLike[str]] | None = None,
        *,
        context_processors: list[ContextProcessor] | None = None,
        env: jinja2.Environment | None = None,
    ) -> None:
        assert bool(directory) ^ bool(env), "either 'directory' or 'env' arguments must be passed"
        self.context_processors = context_processors or []
        if directory is not None:
            loader = jinja2.FileSystemLoader(directory)
            self.env = jinja2.Environment(loader=loader, autoescape=jinja2.select_autoescape())
        elif env is not None:  # pragma: no branch
            self.env = env

        self._setup_env_defaults(self.env)

    def _setup_env_defaults(self, env: jinja2.Environment) -> None:
        @jinja2.pass_context
        def url_for(
            context: dict[str, Any],
            name: str,
            /,
            **path_params: Any,
        ) -> URL:
            request: Request[Any] = context["request"]
            return request.url_for(name, **path_params)

        env.globals.setdefault("url_for", url_for)

    def get_template(self, name: str) -> jinja2.Template:
        """The template called ``name``, loaded by the environment."""
        return self.env.get_template(name)

    def TemplateResponse(
        self,
        request: Request[Any],
        name: str,
        context: dict[str, Any] | None = None,
        status_code: int = 200,
        headers: Mapping[str, str] | None = None,
        media_type: str | None = None,
        background: BackgroundTask | None = None,
    ) -> _TemplateResponse:
        """
        Render a template and return an HTML response.

        The context gets ``request`` (unless it has one) and what each context processor returns;
        the response keeps the template and that context as ``.template`` and ``.context``.

        :param request: The incoming request instance.
        :param name: The template file name to render.
        :param context: Variables to pass to the template.
        :param status_code: HTTP status code for the response.
        :param headers: Additional headers to include in the response.
        :param media_type: Media type for the response.
        :param background: Background task to run after response is sent.
        :returns: An HTML response with the rendered template content.
        """
        if isinstance(request, str):
            # Starlette 1.x dropped the old order; without this, the dict would reach jinja2 as a name.
            raise TypeError(
                "TemplateResponse takes the request first: replace "
                '`TemplateResponse(name, {"request": request})` by `TemplateResponse(request, name)`.'
            )
        context = context or {}

        context.setdefault("request", request)
        for context_processor in self.context_processors:
            context.update(context_processor(request))

        template = self.get_template(name)
        return _TemplateResponse(
            template,
            context,
            status_code=status_code,
            headers=headers,
            media_type=media_type,
            background=background,
        )


__all__ = ["Jinja2Templates"]
