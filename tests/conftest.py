"""Fixtures shared by several test files."""
import pytest

import tinygrad_edu as tg


@pytest.fixture
def unregister():
    """Remove the ops a test registers, so the registry is the same for the next test."""
    before = set(tg.OPS)
    yield
    for name in set(tg.OPS) - before:
        del tg.function._REGISTRY[name]
