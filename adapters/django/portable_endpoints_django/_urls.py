"""``ROOT_URLCONF`` of the minimal settings: empty, since each portable app routes with its own URLconf."""

from typing import Any

urlpatterns: list[Any] = []
