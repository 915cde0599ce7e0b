"""One test per Starlette internal the adapter touches (``_compat``): a release that moves one fails here."""

from __future__ import annotations

from typing import cast

import starlette.convertors
from portable_endpoints_starlette import _compat
from starlette.applications import Starlette

from portable_endpoints.convertors import CONVERTOR_TYPES


def test_convertors_register_in_starlettes_table_once() -> None:
    _compat.ensure_convertor("pe_compat_probe", CONVERTOR_TYPES["int"])
    assert starlette.convertors.CONVERTOR_TYPES["pe_compat_probe"] is cast(object, CONVERTOR_TYPES["int"])
    _compat.ensure_convertor("pe_compat_probe", CONVERTOR_TYPES["str"])  # a second call changes nothing
    assert starlette.convertors.CONVERTOR_TYPES["pe_compat_probe"] is cast(object, CONVERTOR_TYPES["int"])


def test_redirect_slashes_is_the_routers_attribute() -> None:
    app = Starlette()
    _compat.set_redirect_slashes(app, False)
    assert app.router.redirect_slashes is False
