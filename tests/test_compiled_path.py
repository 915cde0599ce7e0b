"""``CompiledPath``: paths with the same parameters share what is made from them, exactly."""

from __future__ import annotations

import pytest

from portable_endpoints.convertors import (
    CONVERTOR_TYPES,
    PARAM_SIGNATURES,
    IntegerConvertor,
    StringConvertor,
    register_url_convertor,
)
from portable_endpoints.exceptions import ConfigurationError
from portable_endpoints.routing import CompiledPath


def test_paths_with_the_same_parameters_match_and_render_each_their_own_path() -> None:
    users, orders = CompiledPath("/users/{id:int}"), CompiledPath("/orders/{id:int}/lines")
    assert users.convertors is orders.convertors
    assert users.match("/users/7") == {"id": 7}
    assert orders.match("/orders/7/lines") == {"id": 7}
    assert users.match("/orders/7/lines") is None
    assert users.render({"id": 3}) == "/users/3"
    assert orders.render({"id": 3}) == "/orders/3/lines"
    assert users.head == "/users/"
    assert orders.format == "/orders/{id}/lines"


def test_a_bad_path_is_refused_every_time_it_is_declared() -> None:
    for _ in range(2):
        with pytest.raises(ConfigurationError, match="Duplicated param name id"):
            CompiledPath("/a/{id}/{id}")
        with pytest.raises(ConfigurationError, match="Unknown path convertor 'nope'"):
            CompiledPath("/a/{id:nope}")


def test_a_convertor_registered_again_under_a_key_applies_to_paths_declared_afterwards() -> None:
    key = "pe_test_reregistered"
    try:
        register_url_convertor(key, IntegerConvertor())
        assert CompiledPath(f"/a/{{x:{key}}}").match("/a/5") == {"x": 5}
        register_url_convertor(key, StringConvertor())
        assert CompiledPath(f"/a/{{x:{key}}}").match("/a/5") == {"x": "5"}
    finally:
        del CONVERTOR_TYPES[key]
        PARAM_SIGNATURES.clear()
