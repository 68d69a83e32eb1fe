"""Parameter models: defaults valid, bad values named with the fix."""

from __future__ import annotations

import pytest

from alliance_analysis.errors import ParameterError
from alliance_analysis.params import NOTEBOOK_MODELS, validate_notebook_params


@pytest.mark.parametrize("name", list(NOTEBOOK_MODELS), ids=list(NOTEBOOK_MODELS))
def test_defaults_validate_and_are_frozen(name):
    p = validate_notebook_params(name, {})
    assert p == NOTEBOOK_MODELS[name]()
    with pytest.raises(Exception, match="frozen"):
        p.seed = 1


@pytest.mark.parametrize(
    ("name", "params", "message"),
    [
        pytest.param("01_demand_analysis", {"start_month": "2010-13"}, r"start_month.*'YYYY-MM'", id="bad-month"),
        pytest.param("01_demand_analysis", {"forces": []}, r"parameter 'forces'.*at least 1", id="no-forces"),
        pytest.param("02_crime_trend_forecasting", {"horizon": 61}, r"'horizon'.*less than or equal to 60", id="horizon"),
        pytest.param("00_data_overview", {"data_source": "csv"}, r"'data_source'.*'default', 'police_uk' or 'prc'", id="source"),
        pytest.param("04_police_foundation_review", {"show_only_status": ["ok"]}, r"show_only_status\.0", id="status"),
        pytest.param("03_merger_business_case", {"n_draw": 5}, r"unknown parameter 'n_draw' \(allowed: scenario_file", id="typo"),
        pytest.param("05_missing", {}, r"unknown notebook '05_missing'; known notebooks: 00_data_overview", id="notebook"),
    ],
)
def test_bad_parameters_are_named(name, params, message):
    with pytest.raises(ParameterError, match=message):
        validate_notebook_params(name, params)


def test_validation_does_not_mutate_input():
    given = {"forces": ["Dorset"]}
    validate_notebook_params("00_data_overview", given)
    assert given == {"forces": ["Dorset"]}
