"""Every data-driven notebook on every kind of source the package reads (issue 10): the real
default, the Gloucestershire police.uk archive, the three West Yorkshire months in the
crime-sim-toolkit wheel, one force of a Home Office table, and a group of three forces.
Each must finish, describe the data it used, and say in a sentence what it could not do."""

from __future__ import annotations

import pytest

from alliance_analysis import paths
from tests.notebook_runs import WEST_YORKSHIRE, run_notebook

FAST = {"02_crime_trend_forecasting": {"horizon": 4, "n_origins": 2}}


def _sources():
    shared = paths.SHARED_DATA_DIR / "police_uk" / "gloucestershire"
    return [
        pytest.param({}, "Warwickshire", id="default"),
        pytest.param({"data_source": "police_uk", "police_uk_path": str(shared), "forces": ["Gloucestershire"]},
                     "Gloucestershire", marks=pytest.mark.shared_data, id="gloucestershire-archive"),
        pytest.param({"data_source": "police_uk", "forces": ["West Yorkshire"],
                      "police_uk_path": str(paths.crime_sim_toolkit_file(WEST_YORKSHIRE))},
                     "West Yorkshire", id="west-yorkshire-three-months"),
        pytest.param({"data_source": "prc", "forces": ["Dorset"],
                      "prc_path": str(paths.RAW_DIR / "home_office" / "prc-pfa-mar2013-onwards-tables-191023.csv.gz")},
                     "Dorset", id="one-force-home-office-table"),
        pytest.param({"forces": ["Devon and Cornwall", "Dorset", "Wiltshire"]}, "Wiltshire", id="group-of-three"),
    ]


@pytest.mark.notebook
@pytest.mark.parametrize("notebook", ["00_data_overview", "01_demand_analysis", "02_crime_trend_forecasting"])
@pytest.mark.parametrize(("params", "force"), _sources())
def test_notebook_runs_on_every_source(tmp_path, notebook, params, force):
    out = run_notebook(notebook, tmp_path, **params, **FAST.get(notebook, {}))
    text = out["text"]
    assert force in text
    assert "What produced this report" in text
    assert "Traceback" not in text and "Error" not in out["stderr"]
    assert "TqdmWarning" not in out["stderr"] and "TqdmWarning" not in text
    if params.get("data_source") in ("police_uk", "prc", None):
        assert "SYNTHETIC" not in text and "synthetic data" not in text.lower()
