"""user_data goes to the database as tagged JSON and comes back the same."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from bot.persistence import decode_user_data, encode_user_data


def test_what_the_handlers_keep_survives_the_round_trip():
    start = datetime(2026, 12, 4, 8, 0, tzinfo=UTC)
    data = {
        "notes": {(1, 2, start): "Bring the X-ray"},
        "note_for": (1, 2, start),
        "cancel_reason_for": 17,
        "type_draft": {"name": "Consultation", "minutes": 30, "price": Decimal("45.50"), "virtual": False},
        "type_edit": (3, "price"),
        "day": date(2026, 12, 24),
        "nothing": None,
        "list": [1, (2, 3)],
    }
    assert decode_user_data(encode_user_data(data)) == data


def test_empty_user_data_is_stored_as_nothing():
    assert encode_user_data({}) is None


def test_something_that_cannot_be_stored_says_so():
    with pytest.raises(TypeError, match="cannot persist a object"):
        encode_user_data({"thing": object()})


def test_plain_dicts_that_look_like_tags_are_not_confused():
    data = {"weird": {"__tuple__": [1, 2]}}
    assert decode_user_data(encode_user_data(data)) == data
