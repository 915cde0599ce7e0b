"""Django's settings for portable apps: configured from ``create_app`` options when nobody else has.

Settings are process-wide. A project that configures them (``DJANGO_SETTINGS_MODULE`` or
``settings.configure()``) keeps them untouched; otherwise the first ``create_app`` configures
the minimal settings below, overridden by the UPPER_CASE options it was given, and sets Django
up. Later apps in the same process reuse those settings: an UPPER_CASE option that differs from
the configured value is an error, since it could not take effect (``MIDDLEWARE`` is the
exception: it is per app).
"""

from __future__ import annotations

import os
import secrets
from typing import Any

from portable_endpoints.exceptions import ConfigurationError

#: What a portable app needs and nothing more: no database, no templates, no middleware, every
#: host name accepted (like every other host), bodies limited by the portable ``max_body_size``
#: rather than Django's 2.5 MB, and sessions in signed cookies (no database needed).
MINIMAL_SETTINGS: dict[str, Any] = {
    "DEBUG": False,
    "ALLOWED_HOSTS": ["*"],
    "ROOT_URLCONF": "portable_endpoints_django._urls",
    "MIDDLEWARE": [],
    "INSTALLED_APPS": [],
    "DATABASES": {},
    "USE_TZ": True,
    "DATA_UPLOAD_MAX_MEMORY_SIZE": None,
    "SESSION_ENGINE": "django.contrib.sessions.backends.signed_cookies",
}


def split_options(options: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """(Django settings, the adapter's own options): settings are the UPPER_CASE names."""
    settings = {key: value for key, value in options.items() if key.isupper()}
    own = {key: value for key, value in options.items() if not key.isupper()}
    return settings, own


def ensure_configured(wanted: dict[str, Any]) -> None:
    """Configure Django from ``wanted`` unless a project already has; then ``django.setup()``."""
    import django
    from django.apps import apps
    from django.conf import settings

    if not settings.configured and not os.environ.get("DJANGO_SETTINGS_MODULE"):
        chosen = {**MINIMAL_SETTINGS, **wanted}
        # A random key per process when none is given: signed cookies do not survive a restart.
        chosen.setdefault("SECRET_KEY", secrets.token_urlsafe(50))
        settings.configure(**chosen)
    else:
        conflicting = sorted(
            key for key, value in wanted.items() if key != "MIDDLEWARE" and getattr(settings, key, object()) != value
        )
        if conflicting:
            raise ConfigurationError(
                f"Django settings are already configured in this process, so {', '.join(conflicting)} "
                "cannot be changed by create_app(); set them in the project's settings (settings are "
                "process-wide; only MIDDLEWARE may differ per app)"
            )
    if not apps.ready:
        django.setup(set_prefix=False)
