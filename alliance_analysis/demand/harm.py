"""Harm: weights per crime type, harm-weighted counts, volume against harm."""

from __future__ import annotations

import logging

import pandas as pd

from alliance_analysis import taxonomy
from alliance_analysis.errors import DataValidationError, ParameterError
from alliance_analysis.demand._common import HARM_APPROXIMATION, _check_counts

log = logging.getLogger(__name__)


# --------------------------------------------------------------------------- harm

def police_uk_harm_weights(weights: pd.DataFrame, *, category: str = "category", weight: str = "cchi_days",
                           volume: str | None = "national_count_2024_25") -> pd.DataFrame:
    """Collapse subgroup harm weights to police.uk crime types (count-weighted mean).

    The result carries ``attrs["approximation"]`` stating the approximation.

    Examples
    --------
    >>> w = pd.DataFrame({"category": ["Burglary", "Burglary"], "cchi_days": [273.5, 183.5],
    ...                   "national_count_2024_25": [3, 1]})
    >>> police_uk_harm_weights(w)["weight"].tolist()   # (273.5*3 + 183.5*1) / 4
    [251.0]
    """
    for c in (category, weight):
        if c not in weights.columns:
            raise DataValidationError("column is missing", column=c, fix="the weights file needs a category and a weight column")
    w = weights.copy()
    w["_v"] = w[volume] if volume and volume in w.columns else 1.0
    w["_wv"] = w[weight] * w["_v"]
    g = w.groupby(category, as_index=False)[["_wv", "_v"]].sum()
    g["weight"] = g["_wv"] / g["_v"]
    g["crime_type"] = g[category].map(taxonomy.canonical_crime_type)
    out = g[["crime_type", "weight"]]
    out.attrs["approximation"] = HARM_APPROXIMATION
    return out


def harm_weighted(df: pd.DataFrame, weights: pd.DataFrame, *, key: str = "crime_type",
                  weight: str = "weight") -> pd.DataFrame:
    """Add ``harm`` = count x weight; every category must have a weight (error lists those missing).

    Examples
    --------
    >>> d = pd.DataFrame({"crime_type": ["Drugs", "Robbery"], "count": [10, 2]})
    >>> w = pd.DataFrame({"crime_type": ["Drugs", "Robbery"], "weight": [3.0, 365.0]})
    >>> harm_weighted(d, w)["harm"].tolist()
    [30.0, 730.0]
    """
    _check_counts(df)
    missing = sorted(set(df[key]) - set(weights[key]))
    if missing:
        raise DataValidationError(f"no harm weight for {missing}", column=key,
                                  fix="add weights for these categories to the weights file")
    out = df.merge(weights[[key, weight]], on=key, how="left")
    out["harm"] = out["count"] * out[weight].astype(float)
    out.attrs.update(df.attrs)
    return out


def rank_volume_vs_harm(df: pd.DataFrame, *, key: str = "crime_type") -> pd.DataFrame:
    """Rank categories by volume and by harm (1 = largest) with shares and rank change.

    Examples
    --------
    >>> d = pd.DataFrame({"crime_type": ["Shoplifting", "Robbery"], "count": [100, 5], "harm": [100.0, 1825.0]})
    >>> rank_volume_vs_harm(d)[["crime_type", "volume_rank", "harm_rank"]].values.tolist()
    [['Robbery', 2, 1], ['Shoplifting', 1, 2]]
    """
    g = df.groupby(key, as_index=False)[["count", "harm"]].sum()
    g["volume_share"] = g["count"] / g["count"].sum()
    g["harm_share"] = g["harm"] / g["harm"].sum()
    g["volume_rank"] = g["count"].rank(ascending=False, method="min").astype(int)
    g["harm_rank"] = g["harm"].rank(ascending=False, method="min").astype(int)
    g["rank_change"] = g["volume_rank"] - g["harm_rank"]
    return g.sort_values("harm_rank").reset_index(drop=True)


# --------------------------------------------------------------------------- notebook helpers

def harm_weights_from_file(path: str | None) -> pd.DataFrame | None:
    """Read a harm-weights file the user names; None when no file is given.

    Accepts the ONS CSS layout (``code_severity``, ``weight``: weights per offence code, for
    Home Office tables), the CCHI subgroup layout (``category``, ``cchi_days`` [, counts]:
    collapsed to police.uk types) and a plain ``crime_type``, ``weight`` table.

    Examples
    --------
    >>> harm_weights_from_file(None) is None
    True
    """
    if path is None:
        return None
    from pathlib import Path

    p = Path(path)
    if not p.exists():
        raise DataValidationError("weights file not found", file=p, fix="check weights file path, or set it to None")
    w = pd.read_csv(p, comment="#")
    if {"code_severity", "weight"} <= set(w.columns):
        from alliance_analysis.datasets.harm import load_css_weights

        out = load_css_weights(p).rename(columns={"css_weight": "weight"})[["offence_code", "weight"]]
        out.attrs["approximation"] = "ONS Crime Severity Score weights per Home Office offence code (use key='offence_code')"
        out.attrs["source"] = str(p)
        return out
    if {"category", "cchi_days"} <= set(w.columns):
        from alliance_analysis.datasets.harm import load_cchi_weights

        out = police_uk_harm_weights(load_cchi_weights(p), volume="national_count")
    elif {"crime_type", "weight"} <= set(w.columns):
        out = w[["crime_type", "weight"]].assign(crime_type=lambda d: d["crime_type"].map(taxonomy.canonical_crime_type))
        out.attrs["approximation"] = "weights given per police.uk crime type"
    else:
        raise DataValidationError("unrecognised weights layout", file=p,
                                  fix="give columns category + cchi_days (CCHI) or crime_type + weight")
    out.attrs["source"] = str(p)
    return out


def volume_and_harm(df: pd.DataFrame, weights: pd.DataFrame | None) -> pd.DataFrame:
    """Ranking by volume and, when weights are given, by harm; ``attrs["message"]`` says which.

    Examples
    --------
    >>> d = pd.DataFrame({"crime_type": ["Drugs"], "count": [4]})
    >>> volume_and_harm(d, None).attrs["message"].startswith("No harm weights file")
    True
    """
    if weights is None:
        g = df.groupby("crime_type", as_index=False)["count"].sum()
        g["volume_share"] = g["count"] / g["count"].sum()
        g["volume_rank"] = g["count"].rank(ascending=False, method="min").astype(int)
        out = g.sort_values("volume_rank").reset_index(drop=True)
        out.attrs["message"] = ("No harm weights file was given, so demand is shown by volume only. Name a "
                                "weights file (ONS Crime Severity Score or Cambridge Crime Harm Index) to rank by harm.")
        return out
    if "crime_type" not in weights.columns:
        raise ParameterError("these weights are per Home Office offence code (ONS CSS); the monthly series are by "
                             "police.uk crime type. Use a CCHI weights file here, or weight a Home Office table with "
                             "harm_weighted(prc, weights, key='offence_code')")
    out = rank_volume_vs_harm(harm_weighted(df[df["crime_type"].isin(weights["crime_type"])], weights))
    dropped = sorted(set(df["crime_type"]) - set(weights["crime_type"]))
    out.attrs["message"] = (f"Harm weights from {weights.attrs.get('source', 'the weights file')}. "
                            f"{weights.attrs.get('approximation', '')}. "
                            + (f"Not harm-weighted (no weight, e.g. not a crime): {', '.join(dropped)}." if dropped else ""))
    return out
