"""Fixtures of the security tests: the world to attack."""

from __future__ import annotations

import pytest

from tests.factories import Factory
from tests.world import World, build_world


@pytest.fixture
async def world(factory: Factory) -> World:
    return await build_world(factory, students=4, history=True)


def pytest_configure(config: pytest.Config) -> None:
    # Hypothesis keeps a cache directory; in the work tree pytest would warn (an error here).
    import tempfile

    from hypothesis.configuration import set_hypothesis_home_dir

    set_hypothesis_home_dir(tempfile.mkdtemp(prefix="hypothesis-"))
