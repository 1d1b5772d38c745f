"""Fixtures shared by several test modules."""

import pytest


@pytest.fixture(scope="module")
def local_ray():
    """A private local Ray for one test module (started and stopped by ``ray_session.private_ray``)."""
    pytest.importorskip("ray")
    from ray_session import private_ray

    with private_ray() as ray:
        yield ray
