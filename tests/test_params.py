"""Parameter models: defaults valid, bad values named with the fix, strict types, paths resolved."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from alliance_analysis.errors import ParameterError
from alliance_analysis.params import NOTEBOOK_MODELS, kernel_values, resolve_paths, validate_notebook_params


@pytest.mark.parametrize("name", list(NOTEBOOK_MODELS), ids=list(NOTEBOOK_MODELS))
def test_defaults_validate_and_are_frozen(name):
    p = validate_notebook_params(name, {})
    assert p == NOTEBOOK_MODELS[name]()
    with pytest.raises(Exception, match="frozen"):
        p.seed = 1


@pytest.mark.parametrize(
    ("name", "params", "message"),
    [
        pytest.param("01_demand_analysis", {"start": "2010-13"}, r"'start'.*'YYYY-MM' or 'YYYYQn'", id="bad-month"),
        pytest.param("01_demand_analysis", {"end": "2010Q5"}, r"'end'.*not a month or quarter", id="bad-quarter"),
        pytest.param("01_demand_analysis", {"forces": []}, r"parameter 'forces'.*at least 1", id="no-forces"),
        pytest.param("02_crime_trend_forecasting", {"horizon": 61}, r"'horizon'.*less than or equal to 60", id="horizon"),
        pytest.param("02_crime_trend_forecasting", {"horizon": "6"}, r"'horizon'.*valid integer.*got '6'.*without quotes", id="int-as-string"),
        pytest.param("02_crime_trend_forecasting", {"seed": 7.0}, r"'seed'.*valid integer.*got 7\.0", id="int-as-float"),
        pytest.param("02_crime_trend_forecasting", {"seed": True}, r"'seed'.*valid integer", id="int-as-bool"),
        pytest.param("02_crime_trend_forecasting", {"change_date": "2013-14"}, r"'change_date'.*'YYYY-MM' or 'YYYYQn'", id="change-date"),
        pytest.param("01_demand_analysis", {"budget_gbp": math.inf}, r"'budget_gbp'.*finite.*\.inf and \.nan", id="budget-inf"),
        pytest.param("01_demand_analysis", {"budget_gbp": math.nan}, r"'budget_gbp'.*finite", id="budget-nan"),
        pytest.param("01_demand_analysis", {"budget_gbp": "3e8"}, r"'budget_gbp'.*valid number", id="budget-text"),
        pytest.param("01_demand_analysis", {"split": {"A": math.nan}}, r"'split\.A'.*finite", id="split-nan"),
        pytest.param("03_merger_business_case", {"flat_rate": -math.inf}, r"'flat_rate'.*finite", id="rate-minus-inf"),
        pytest.param("00_data_overview", {"data_source": "csv"}, r"'data_source'.*'default', 'police_uk' or 'prc'", id="source"),
        pytest.param("04_police_foundation_review", {"show_only_status": ["ok"]}, r"show_only_status\.0", id="status"),
        pytest.param("03_merger_business_case", {"n_draw": 5}, r"unknown parameter 'n_draw' \(allowed: scenario_file", id="typo"),
        pytest.param("05_missing", {}, r"unknown notebook '05_missing'; known notebooks: 00_data_overview", id="notebook"),
    ],
)
def test_bad_parameters_are_named(name, params, message):
    with pytest.raises(ParameterError, match=message):
        validate_notebook_params(name, params)


@pytest.mark.parametrize(
    ("name", "params", "key", "expected"),
    [
        pytest.param("02_crime_trend_forecasting", {"horizon": 6}, "horizon", 6, id="int"),
        pytest.param("01_demand_analysis", {"budget_gbp": 250_000_000}, "budget_gbp", 250_000_000.0, id="int-to-float"),
        pytest.param("01_demand_analysis", {}, "start", None, id="default-none"),
    ],
)
def test_kernel_values_are_the_validated_types(name, params, key, expected):
    values = kernel_values(validate_notebook_params(name, params))
    assert values[key] == expected
    assert type(values[key]) is type(expected)


def test_validation_does_not_mutate_input():
    given = {"forces": ["Dorset"]}
    validate_notebook_params("00_data_overview", given)
    assert given == {"forces": ["Dorset"]}


@pytest.mark.parametrize(
    ("given", "ok"),
    [
        pytest.param("in/s.yaml", True, id="relative"),
        pytest.param("ABS", True, id="absolute"),
        pytest.param("in/missing.yaml", False, id="missing"),
    ],
)
def test_input_paths_resolved_against_base_and_checked(tmp_path, given, ok):
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "s.yaml").write_text("a: 1\n")
    value = str(tmp_path / "in" / "s.yaml") if given == "ABS" else given
    p = validate_notebook_params("03_merger_business_case", {"scenario_file": value})
    if ok:
        out = resolve_paths("03_merger_business_case", p, tmp_path)
        assert Path(out.scenario_file).is_absolute()
        assert Path(out.scenario_file).read_text() == "a: 1\n"
    else:
        with pytest.raises(ParameterError, match=r"03_merger_business_case: parameter 'scenario_file': .*missing\.yaml does not exist"):
            resolve_paths("03_merger_business_case", p, tmp_path)


def test_output_path_needs_only_an_existing_folder(tmp_path):
    p = validate_notebook_params("03_merger_business_case", {"workbook_file": "case.xlsx"})
    assert resolve_paths("03_merger_business_case", p, tmp_path).workbook_file == str(tmp_path / "case.xlsx")
    p = validate_notebook_params("03_merger_business_case", {"workbook_file": "nodir/case.xlsx"})
    with pytest.raises(ParameterError, match="'workbook_file': folder .*nodir does not exist"):
        resolve_paths("03_merger_business_case", p, tmp_path)


from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

_ANY = st.one_of(st.integers(-100, 100), st.floats(allow_nan=True, allow_infinity=True), st.booleans(),
                 st.text(max_size=5), st.none(), st.lists(st.integers(), max_size=2))


@settings(max_examples=150, deadline=None)
@given(value=_ANY)
def test_int_parameter_is_an_int_in_range_or_a_named_error(value):
    try:
        p = validate_notebook_params("02_crime_trend_forecasting", {"horizon": value})
    except ParameterError as exc:
        assert "'horizon'" in str(exc)
        return
    assert type(p.horizon) is int and p.horizon == value and 1 <= value <= 60 and type(value) is int


@settings(max_examples=150, deadline=None)
@given(value=_ANY)
def test_money_parameter_is_finite_positive_or_a_named_error(value):
    try:
        p = validate_notebook_params("01_demand_analysis", {"budget_gbp": value})
    except ParameterError as exc:
        assert "'budget_gbp'" in str(exc)
        return
    assert math.isfinite(p.budget_gbp) and p.budget_gbp > 0 and p.budget_gbp == value and not isinstance(value, bool)


@pytest.mark.parametrize("name", list(NOTEBOOK_MODELS), ids=list(NOTEBOOK_MODELS))
def test_every_parameter_is_described_in_words(name):
    from alliance_analysis.params import describe_parameter

    for field in NOTEBOOK_MODELS[name].model_fields:
        text = describe_parameter(name, field)
        assert len(text.split()) >= 5, (name, field, text)


@pytest.mark.parametrize(
    ("params", "ok"),
    [
        pytest.param({"forces": ["devon & cornwall", "Dorset"]}, True, id="usual-spellings"),
        pytest.param({"forces": ["Warwickshire and West Mercia"]}, True, id="group-name"),
        pytest.param({"forces": ["Dorest"]}, False, id="misspelt"),
        pytest.param({"forces": ["<script>alert(1)</script>"]}, False, id="markup"),
    ],
)
def test_force_names_are_checked_with_the_parameters(params, ok):
    if ok:
        validate_notebook_params("00_data_overview", params)
    else:
        with pytest.raises(ParameterError, match=r"00_data_overview: parameter 'forces': unknown police force name"):
            validate_notebook_params("00_data_overview", params)
