"""Metric tests run on the tiny, hand-checkable city of `tests/tiny_city.py`."""

import pytest

from tests.tiny_city import fill_tiny


@pytest.fixture
def tiny(engine):
    fill_tiny(engine)
    return engine
