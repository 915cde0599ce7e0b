"""The project's URLconf: its own views, and the portable routes under ``api/``."""

from django.urls import include, path
from pe_django_middleware import native_view

import portable_endpoints as pe
from pe_django_project.endpoints import routes

urlpatterns = [
    path("native/<slug:slug>/", native_view, name="native"),
    path("api/", include(pe.native_routes(routes, framework="django").urlpatterns)),
]
handler404 = "pe_django_middleware.not_found"
