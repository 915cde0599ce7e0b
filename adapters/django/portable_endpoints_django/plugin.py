"""Entry point of the ``django`` adapter (``portable_endpoints`` group).

The adapter needs Channels as well as Django: either one missing is reported, naming the extra,
instead of an ImportError when the adapter loads.
"""

from __future__ import annotations

from typing import Any

from portable_endpoints.exceptions import AdapterUnavailable
from portable_endpoints.hookspecs import hookimpl
from portable_endpoints.hosting import Adapter, AdapterInfo, AdapterPlugin, missing_framework_info


class DjangoPlugin(AdapterPlugin):
    """``AdapterPlugin`` for a host made of two distributions: ``framework`` and ``companions``."""

    def __init__(self, *, companions: tuple[str, ...], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.companions = companions

    def _missing(self) -> AdapterInfo | None:
        for distribution in (self.framework, *self.companions):
            missing = missing_framework_info(self.name, self.distribution, distribution, self.capabilities)
            if missing is not None:
                return missing
        return None

    def load(self) -> Adapter:
        # Checked until the adapter is loaded only: reading package metadata costs a millisecond,
        # and every create_app and mount asks for the adapter.
        if self._adapter is None:
            missing = self._missing()
            if missing is not None:
                raise AdapterUnavailable(f"The {self.name!r} adapter cannot run here: {missing.problem}")
        return super().load()

    @hookimpl
    def pe_adapter_info(self) -> AdapterInfo:
        missing = self._missing()
        return missing if missing is not None else super().pe_adapter_info()


plugin = DjangoPlugin(
    name="django",
    distribution="portable-endpoints-django",
    framework="django",
    companions=("channels",),
    adapter="portable_endpoints_django._adapter:ADAPTER",
    app_classes=[
        "portable_endpoints_django._app:PortableDjangoApp",
        "channels.routing:ProtocolTypeRouter",
        "channels.routing:URLRouter",
    ],
    capabilities=frozenset({"websocket.denial_response", "native_routes.any_method"}),
    native_kit="portable_endpoints_django.testing:NATIVE_KIT",
)
