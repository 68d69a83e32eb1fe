"""The register of police collaborations and the rule that builds comparison pools from it.

``data/raw/reference/collaborations.csv`` records each collaboration the project can cite:
its forces, kind (strategic alliance, preferred partnership, single function), start
month, end month where it ended, and its source. Nothing uncited is recorded.

Comparison pools (:func:`comparison_pool`) follow one stated rule: every territorial force
with data, except the treated forces, their partners in any collaboration, forces in a
collaboration of their own that was in force at any time in the evaluation window, and the
City of London (a business district with a tiny resident population, whose crime moves
unlike any other force's). Named comparison forces pass through the same screen: a
partner or a force in another collaboration is dropped and the drop is stated.

Examples
--------
>>> r = collaborations()
>>> sorted(r.loc[r["collaboration"].str.startswith("Warwickshire"), ["start", "end"]].iloc[0])
['2011-11', '2019-10']
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence

import pandas as pd

from alliance_analysis import clean, paths
from alliance_analysis.errors import DataValidationError

log = logging.getLogger(__name__)

REGISTER_FILE = paths.REFERENCE_DIR / "collaborations.csv"
COLUMNS = ("collaboration", "forces", "kind", "start", "end", "source")
KINDS = ("strategic alliance", "preferred partnership", "single function")
CITY = "City of London"


def collaborations(path=None) -> pd.DataFrame:
    """The collaborations register, validated: ``forces`` as tuples of canonical names, months checked.

    Raises
    ------
    DataValidationError
        A missing column, an unknown force, a kind outside :data:`KINDS`, a month that is not
        ``YYYY-MM``, an end before its start or an empty source (file, row and column named).

    Examples
    --------
    >>> bool(collaborations()["kind"].isin(KINDS).all())
    True
    """
    p = REGISTER_FILE if path is None else path
    if not p.exists():
        raise DataValidationError("collaborations register is missing", file=p,
                                  fix="restore data/raw/reference/collaborations.csv from the repository")
    df = pd.read_csv(p, dtype=str, keep_default_na=False)
    missing = [c for c in COLUMNS if c not in df.columns]
    if missing:
        raise DataValidationError(f"columns {missing} are missing", file=p, fix=f"columns are {', '.join(COLUMNS)}")
    out = []
    for i, r in df.iterrows():
        row = i + 2
        try:
            forces = tuple(clean.canonical_force_name(f.strip()) for f in r["forces"].split(";") if f.strip())
        except DataValidationError as exc:
            raise DataValidationError(f"unknown force in {r['forces']!r}: {exc}", file=p, row=row, column="forces",
                                      fix="use canonical force names separated by ';'") from None
        if len(forces) < 2:
            raise DataValidationError("a collaboration needs at least two forces", file=p, row=row, column="forces",
                                      fix="list every partner, separated by ';'")
        if r["kind"] not in KINDS:
            raise DataValidationError(f"kind {r['kind']!r} is not one of {KINDS}", file=p, row=row, column="kind",
                                      fix="use one of the kinds listed")
        if not r["source"].strip():
            raise DataValidationError("no source: record only what can be cited", file=p, row=row, column="source",
                                      fix="give the document, page or address that states the dates")
        months = {}
        for c in ("start", "end"):
            v = r[c].strip()
            if not v and c == "end":
                months[c] = None
                continue
            try:
                if not re.fullmatch(r"\d{4}-\d{2}", v):
                    raise ValueError(v)
                months[c] = pd.Period(v, "M")
            except (ValueError, TypeError):
                raise DataValidationError(f"{c} {v!r} is not a month", file=p, row=row, column=c,
                                          fix="write it as YYYY-MM") from None
        if months["end"] is not None and months["end"] < months["start"]:
            raise DataValidationError("the collaboration ends before it starts", file=p, row=row, column="end",
                                      fix="check the dates against the source")
        out.append({"collaboration": r["collaboration"], "forces": forces, "kind": r["kind"],
                    "start": str(months["start"]), "end": "" if months["end"] is None else str(months["end"]),
                    "source": r["source"]})
    return pd.DataFrame(out, columns=list(COLUMNS))


def partners_of(forces: Sequence[str], register: pd.DataFrame | None = None) -> list[str]:
    """Every force that has been in a collaboration with any of ``forces`` (the forces themselves left out).

    Examples
    --------
    >>> partners_of(["Norfolk"])
    ['Suffolk']
    """
    reg = collaborations() if register is None else register
    f = set(forces)
    out = [x for fs in reg["forces"] if f & set(fs) for x in fs if x not in f]
    return list(dict.fromkeys(out))


def active_in(first: pd.Period, last: pd.Period, register: pd.DataFrame | None = None) -> pd.DataFrame:
    """Collaborations in force at any time between ``first`` and ``last`` (periods of any frequency).

    Examples
    --------
    >>> active_in(pd.Period("2008Q1"), pd.Period("2009Q4"))["collaboration"].tolist()
    []
    >>> "Norfolk-Suffolk collaboration" in active_in(pd.Period("2012Q1"), pd.Period("2013Q4"))["collaboration"].tolist()
    True
    """
    reg = collaborations() if register is None else register
    lo, hi = first.start_time, last.end_time
    keep = []
    for _, r in reg.iterrows():
        start = pd.Period(r["start"], "M").start_time
        end = pd.Period(r["end"], "M").end_time if r["end"] else pd.Timestamp.max
        keep.append(start <= hi and end >= lo)
    return reg[pd.Series(keep, index=reg.index, dtype=bool)]


def comparison_pool(treated: Sequence[str], available: Sequence[str], first: pd.Period, last: pd.Period, *,
                    named: Sequence[str] | None = None,
                    register: pd.DataFrame | None = None) -> tuple[list[str], str, pd.DataFrame]:
    """Comparison forces for a design, by the stated rule or from named forces screened by the same rule.

    Parameters
    ----------
    treated : sequence of str
    available : sequence of str
        Forces with data.
    first, last : Period
        The evaluation window (pre-period start to post-period end).
    named : sequence of str, optional
        Comparison forces named in the parameters (screened, never silently replaced).
    register : DataFrame, optional
        The collaborations register (default: the shipped one).

    Returns
    -------
    (list of str, str, DataFrame)
        The pool, the rule in plain words, and every force considered with ``used`` and ``reason``.

    Examples
    --------
    >>> pool, rule, t = comparison_pool(["Norfolk"], ["Suffolk", "Kent", "Essex", "City of London"],
    ...                                 pd.Period("2009Q1"), pd.Period("2013Q4"))
    >>> pool, t.set_index("force")["reason"]["Suffolk"]
    (['Kent', 'Essex'], 'a partner of the treated forces')
    """
    reg = collaborations() if register is None else register
    tset = set(treated)
    partners = set(partners_of(treated, reg))
    active = active_in(first, last, reg)
    busy: dict[str, str] = {}
    for _, r in active.iterrows():
        if tset & set(r["forces"]):
            continue
        for f in r["forces"]:
            busy.setdefault(f, r["collaboration"])
    candidates = list(named) if named else [f for f in available if f not in tset]
    rows = []
    for f in candidates:
        if f in tset:
            reason = "treated"
        elif f not in set(available):
            reason = "no data"
        elif f in partners:
            reason = "a partner of the treated forces"
        elif f in busy:
            reason = f"in another collaboration in the window ({busy[f]})"
        elif f == CITY and not named:
            reason = "the City of London (a business district with few residents; its crime moves unlike any force's)"
        else:
            reason = ""
        rows.append({"force": f, "used": reason == "", "reason": reason or "used"})
    table = pd.DataFrame(rows, columns=["force", "used", "reason"])
    pool = table.loc[table["used"], "force"].tolist()
    if named:
        dropped = table.loc[~table["used"]]
        rule = "the comparison forces named in the parameters"
        if len(dropped):
            rule += (", less " + clean_join(dropped["force"]) + " (partners of the treated forces or in another "
                     "collaboration during the window, or without data)")
    else:
        rule = ("every force with data except the treated forces, their partners in any collaboration, forces in "
                "another collaboration during the window (from the collaborations register) and the City of London")
    return pool, rule, table


def clean_join(names) -> str:
    """Names joined for a reader ("A, B and C").

    Examples
    --------
    >>> clean_join(["A", "B", "C"])
    'A, B and C'
    """
    items = [str(n) for n in names]
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1] if items else ""
