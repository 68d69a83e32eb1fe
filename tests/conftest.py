"""Shared fixtures. Tests that need ../shared/data are marked ``shared_data`` and skip cleanly."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import pytest

from alliance_analysis import paths

SHARED_REASON = (
    f"real public reference data not found at {paths.SHARED_DATA_DIR} "
    "(set ALLIANCE_SHARED_DATA to its folder to run these integration tests)"
)


@pytest.fixture
def shared_data():
    """Path to ../shared/data, or skip the test with a clear reason."""
    if not paths.shared_data_available():
        pytest.skip(SHARED_REASON)
    return paths.SHARED_DATA_DIR


def pytest_collection_modifyitems(config, items):
    if paths.shared_data_available():
        return
    skip = pytest.mark.skip(reason=SHARED_REASON)
    for item in items:
        if "shared_data" in item.keywords:
            item.add_marker(skip)
