"""alliance_analysis.parallel: in-process and on a 2-worker LocalCluster (tiny data)."""

from __future__ import annotations

import functools
import operator

import pytest

from alliance_analysis.errors import ParameterError
from alliance_analysis.parallel import dask_client, map_tasks


def _square_plus(x: int, k: int = 0) -> int:
    return x * x + k


def _fail_on_three(x: int) -> int:
    if x == 3:
        raise ValueError("three")
    return x


@pytest.mark.parametrize(
    "func, items, expected",
    [
        pytest.param(_square_plus, [1, 2, 3], [1, 4, 9], id="squares"),
        pytest.param(functools.partial(_square_plus, k=1), [0, 5], [1, 26], id="partial"),
        pytest.param(operator.neg, [], [], id="empty"),
    ],
)
def test_map_tasks_in_process(func, items, expected):
    assert map_tasks(func, items) == expected


def test_no_client_when_not_asked():
    with dask_client() as c:
        assert c is None


@pytest.mark.parametrize(
    "kwargs",
    [
        pytest.param({"workers": 0}, id="zero-workers"),
        pytest.param({"workers": -2}, id="negative-workers"),
        pytest.param({"workers": True}, id="bool-workers"),
        pytest.param({"workers": 1.5}, id="float-workers"),
        pytest.param({"client": 42}, id="client-not-a-client"),
    ],
)
def test_bad_parameters(kwargs):
    with pytest.raises(ParameterError):
        with dask_client(**kwargs):
            pass


def test_local_cluster_two_workers_same_results_in_order():
    items = list(range(12))
    expected = [x * x + 2 for x in items]  # hand: x^2 + 2
    with dask_client(workers=2) as client:
        assert client is not None
        assert len(client.scheduler_info()["workers"]) == 2
        got = map_tasks(functools.partial(_square_plus, k=2), items, client=client)
        assert got == expected
        # an existing client is reused, not closed
        with dask_client(client=client) as same:
            assert same is client
        assert client.status == "running"
        with pytest.raises(ValueError, match="three"):
            map_tasks(_fail_on_three, [1, 2, 3, 4], client=client)
    assert client.status == "closed"
