"""The claims register: load the claims, recompute each one, give it a status.

Every quantitative claim in the source papers that this package can test is a
row of ``data/raw/claims/claims.csv`` (id, document, location, the claim as
printed, its value and unit, and the named ``check`` that recomputes it from
``data/raw/seed/`` or from the public data it depends on). :func:`build_claims_register`
recomputes each one and gives it a status:

``reproduced``
    the recomputed value matches the printed one within the printed precision
    (half a unit of the last printed digit, unless the claim's ``tolerance``
    column says otherwise), or satisfies the printed bound
    ("over", "up to");
``differs``
    it does not; the register gives the recomputed value and the difference
    (absolute and relative);
``not directly comparable``
    recomputed, but the public figure measures something else than the printed one
    (personal robbery against all robbery, blueprint posts against full-time equivalents):
    the claim's ``comparable`` column is ``no`` and its note says how they differ;
``not checkable from public data``
    nothing public here can settle it; ``needs`` says what would.

Examples
--------
>>> reg = build_claims_register()
>>> reg.loc[reg["id"] == "C20", ["status", "recomputed"]].values.tolist()
[['reproduced', 34.2]]
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from decimal import Decimal

import numpy as np
import pandas as pd

from alliance_analysis import paths
from alliance_analysis.errors import DataValidationError
from alliance_analysis.findings.checks import DATA_CHECKS, SEED_CHECKS, _seed_operands

log = logging.getLogger(__name__)

STATUSES = ("reproduced", "differs", "not directly comparable", "not checkable from public data")
STATUS_COLOURS = {"reproduced": "#c8e6c9", "differs": "#ffcdd2", "not directly comparable": "#fff3c4",
                  "not checkable from public data": "#eeeeee"}
CLAIMS_FILE = paths.RAW_DIR / "claims" / "claims.csv"
_REQUIRED = ("id", "document", "location", "claim_as_printed", "value", "unit", "check", "inputs",
             "comparison", "needs", "note", "tolerance")



def printed_tolerance(value: str | float) -> float:
    """Half a unit of the last printed digit: ``"2.5"`` -> 0.05, ``"19"`` -> 0.5.

    Examples
    --------
    >>> printed_tolerance("2.5"), printed_tolerance("19"), printed_tolerance("0.820042")
    (0.05, 0.5, 5e-07)
    """
    exp = Decimal(str(value)).normalize().as_tuple().exponent if "." in str(value) else 0
    return 0.5 * 10.0 ** min(int(exp), 0)


def load_claims(path: str | None = None) -> pd.DataFrame:
    """Load and validate the claims table (``data/raw/claims/claims.csv``).

    Raises
    ------
    DataValidationError
        Missing columns, duplicate ids, unknown checks or comparisons, non-numeric values.

    Examples
    --------
    >>> len(load_claims()) >= 30
    True
    """
    p = CLAIMS_FILE if path is None else paths.Path(path)
    df = pd.read_csv(p, dtype=str, keep_default_na=False)
    for col in _REQUIRED:
        if col not in df.columns:
            raise DataValidationError("required column is missing", file=p, column=col,
                                      fix=f"the claims table needs {', '.join(_REQUIRED)}")
    if df["id"].duplicated().any():
        row = int(df["id"].duplicated().idxmax()) + 1
        raise DataValidationError("duplicate claim id", file=p, column="id", row=row, fix="ids must be unique")
    known = set(SEED_CHECKS) | set(DATA_CHECKS) | {"not_checkable"}
    for i, r in df.iterrows():
        if r["check"] not in known:
            raise DataValidationError(f"unknown check {r['check']!r}", file=p, column="check", row=i + 1,
                                      fix=f"use one of {sorted(known)}")
        if r["comparison"] not in ("equal", "at_least", "at_most"):
            raise DataValidationError(f"unknown comparison {r['comparison']!r}", file=p, column="comparison",
                                      row=i + 1, fix="use equal, at_least or at_most")
        try:
            float(r["value"])
        except ValueError:
            raise DataValidationError(f"value {r['value']!r} is not a number", file=p, column="value",
                                      row=i + 1, fix="write the printed number without units") from None
        if str(r.get("comparable", "")).strip().lower() not in ("", "yes", "no"):
            raise DataValidationError(f"comparable {r['comparable']!r} must be empty, yes or no", file=p,
                                      column="comparable", row=i + 1,
                                      fix="write 'no' where the public figure measures something else")
        if r["check"] == "not_checkable" and not r["needs"]:
            raise DataValidationError("a not-checkable claim must say what data would settle it", file=p,
                                      column="needs", row=i + 1, fix="fill in 'needs'")
    return df


def recompute_claim(check: str, inputs: str) -> float:
    """Recompute one claim with a named check.

    Examples
    --------
    >>> round(recompute_claim("pct_change", "t3_total_2014_h1;t3_total_2013_h1"), 2)
    2.74
    """
    if check in SEED_CHECKS:
        return float(SEED_CHECKS[check](_seed_operands(inputs)))
    if check in DATA_CHECKS:
        return float(DATA_CHECKS[check]([s.strip() for s in inputs.split(";")]))
    raise DataValidationError(f"check {check!r} cannot recompute", column="check",
                              fix=f"use one of {sorted(SEED_CHECKS) + sorted(DATA_CHECKS)}")


def compare(printed: float, recomputed: float, comparison: str, tolerance: float) -> bool:
    """True when ``recomputed`` supports the printed claim.

    Examples
    --------
    >>> compare(250, 282, "at_least", 0.5), compare(2.5, 2.74, "equal", 0.05)
    (True, False)
    """
    if comparison == "at_least":
        return recomputed >= printed - tolerance
    if comparison == "at_most":
        return recomputed <= printed + tolerance
    return abs(recomputed - printed) <= tolerance + 1e-9


def build_claims_register(claims: pd.DataFrame | None = None) -> pd.DataFrame:
    """Recompute every claim and give it a status.

    Returns
    -------
    DataFrame
        The claims plus ``recomputed``, ``difference`` (recomputed - printed),
        ``relative_difference``, ``tolerance``, ``status`` and ``reason``.

    Examples
    --------
    >>> reg = build_claims_register()
    >>> set(reg["status"]) <= set(STATUSES)
    True
    """
    df = load_claims() if claims is None else claims.copy()
    out = []
    for _, r in df.iterrows():
        printed = float(r["value"])
        tol = float(r["tolerance"]) if str(r.get("tolerance", "")).strip() else printed_tolerance(r["value"])
        rec = np.nan
        reason = r["note"]
        if r["check"] == "not_checkable":
            status = STATUSES[3]
            reason = f"needs: {r['needs']}"
        else:
            try:
                rec = recompute_claim(r["check"], r["inputs"])
            except (FileNotFoundError, ImportError, KeyError) as exc:
                status = STATUSES[3]
                reason = f"the data this check depends on is unavailable ({type(exc).__name__}: {exc})"
                log.warning("claim %s not checkable: %s", r["id"], reason)
            else:
                status = STATUSES[0] if compare(printed, rec, r["comparison"], tol) else STATUSES[1]
                if str(r.get("comparable", "")).strip().lower() == "no":
                    status = STATUSES[2]
        diff = rec - printed if np.isfinite(rec) else np.nan
        out.append({**r.to_dict(), "value": printed, "recomputed": round(rec, 6) if np.isfinite(rec) else np.nan,
                    "difference": diff, "relative_difference": diff / printed if printed and np.isfinite(diff) else np.nan,
                    "tolerance": tol, "status": status, "reason": reason})
    return pd.DataFrame(out)


def register_summary(register: pd.DataFrame) -> pd.DataFrame:
    """Counts of claims by document and status (with totals).

    Examples
    --------
    >>> s = register_summary(build_claims_register())
    >>> int(s.loc["all documents", "total"]) == len(load_claims())
    True
    """
    tab = pd.crosstab(register["document"], register["status"])
    for s in STATUSES:
        if s not in tab.columns:
            tab[s] = 0
    tab = tab[list(STATUSES)]
    tab.loc["all documents"] = tab.sum()
    tab["total"] = tab.sum(axis=1)
    return tab


def largest_differences(register: pd.DataFrame, n: int = 10) -> pd.DataFrame:
    """The ``n`` ``differs`` claims with the largest relative difference.

    Examples
    --------
    >>> bool(largest_differences(build_claims_register(), 3)["status"].eq("differs").all())
    True
    """
    d = register[register["status"] == "differs"].copy()
    d["abs_rel"] = d["relative_difference"].abs()
    cols = ["id", "document", "location", "claim_as_printed", "value", "recomputed", "difference",
            "relative_difference", "reason", "status"]
    return d.sort_values("abs_rel", ascending=False).head(n)[cols].reset_index(drop=True)


def style_register(register: pd.DataFrame):
    """A pandas Styler of the register, rows coloured by status."""
    cols = ["id", "document", "location", "claim_as_printed", "value", "unit", "recomputed", "difference",
            "status", "reason"]
    view = register[cols].copy()

    def _row(row: pd.Series) -> list[str]:
        return [f"background-color: {STATUS_COLOURS[row['status']]}"] * len(row)

    labels = {"id": "Claim", "document": "Source paper", "location": "Where", "claim_as_printed": "Claim as printed",
              "value": "Printed", "unit": "Unit", "recomputed": "Recomputed", "difference": "Difference",
              "status": "Status", "reason": "Why"}
    styled = view.style.apply(_row, axis=1).format({"value": "{:,.6g}", "recomputed": "{:,.4g}",
                                                    "difference": "{:+,.3g}"}, na_rep="–")
    styled = styled.relabel_index([labels[c] for c in cols], axis="columns").hide(axis="index")
    return styled.set_uuid("claims-register").set_table_attributes('class="claims-register"')


def filter_register(register: pd.DataFrame, statuses: Sequence[str] | None = None) -> pd.DataFrame:
    """Rows of the register with the given statuses (all when None).

    Examples
    --------
    >>> reg = build_claims_register()
    >>> filter_register(reg, ["differs"])["status"].unique().tolist()
    ['differs']
    """
    if statuses is None:
        return register.copy()
    unknown = set(statuses) - set(STATUSES)
    if unknown:
        raise DataValidationError(f"unknown status {sorted(unknown)}", fix=f"use any of {list(STATUSES)}")
    return register[register["status"].isin(list(statuses))].reset_index(drop=True)


def summary_text(register: pd.DataFrame) -> str:
    """The report's opening summary in numbers (markdown bullets), generated from the register.

    Examples
    --------
    >>> text = summary_text(build_claims_register())
    >>> text.startswith("- ") and "claims" in text
    True
    """
    n = len(register)
    counts = register["status"].value_counts()
    out = [f"- {n} quantitative claims from {register['document'].nunique()} source papers: "
           + ", ".join(f"{int(counts.get(s, 0))} {s}" for s in STATUSES) + "."]
    diff = register[register["status"] == "differs"].copy()
    if len(diff):
        diff["abs_rel"] = diff["relative_difference"].abs()
        top = diff.sort_values("abs_rel", ascending=False).head(3)
        out.append("- Largest differences: " + "; ".join(
            f"{r['id']} printed {r['value']:g}, recomputed {r['recomputed']:.4g}" for _, r in top.iterrows()) + ".")
    data_checked = register[register["check"].isin(list(DATA_CHECKS)) & register["recomputed"].notna()]
    if len(data_checked):
        out.append(f"- {len(data_checked)} claims are checked against the Home Office and ONS series: "
                   + "; ".join(f"{r['id']} ({r['status']}: printed {r['value']:g}, public data {r['recomputed']:.4g})"
                               for _, r in data_checked.iterrows()) + ".")
    return "\n".join(out)
