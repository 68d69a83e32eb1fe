"""Tables for readers: formatted pandas Stylers and numbers in sentences.

:func:`format_table` turns a result DataFrame into a table a PCC's office can
read: thousands separators, percentages with ``%``, money in GBP m with the price
base in the caption, periods as ``2013/14`` / ``2013 Q2`` / ``Apr 2013``, human
column labels, no index column, a dash (with a footnote) for missing values, long
text wrapped rather than cut, no scientific notation, and a table id fixed by the
content so identical runs give identical HTML.

Examples
--------
>>> import pandas as pd
>>> df = pd.DataFrame({"force": ["Dorset"], "crime_count": [30100], "share_pct": [48.7089]})
>>> html = format_table(df, counts=["crime_count"], pct=["share_pct"]).to_html()
>>> "30,100" in html and "48.7%" in html and "Crime count" in html
True
>>> human_label("annual_change_pct")
'Annual change (%)'
"""

from __future__ import annotations

import hashlib
import html
import math
import numbers
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import pandas as pd

from alliance_analysis.errors import ParameterError

#: shown for a missing value
DASH = "\u2013"

_SUFFIXES = (
    ("_gbp_m", " (GBP m)"), ("_gbp", " (GBP)"), ("_pct", " (%)"), ("_pp", " (percentage points)"),
    ("_per_1000", " per 1,000"), ("_fte", " (FTE)"),
)
_WORDS = {"gbp": "GBP", "npv": "NPV", "fte": "FTE", "pcc": "PCC", "pcso": "PCSO", "pcsos": "PCSOs", "ci": "CI",
          "csp": "CSP", "ons": "ONS", "css": "CSS", "cchi": "CCHI", "asb": "ASB", "id": "ID", "lsoa": "LSOA",
          "p10": "P10", "p90": "P90", "p50": "P50", "mase": "MASE", "mae": "MAE", "did": "DiD", "its": "ITS",
          "uk": "UK", "pp": "pp"}


def human_label(name: str) -> str:
    """A reader's column label from a snake_case name.

    Examples
    --------
    >>> human_label("npv_gbp_m")
    'NPV (GBP m)'
    >>> human_label("n_forces")
    'Number of forces'
    >>> human_label("Force")
    'Force'
    """
    name = str(name)
    if "_" not in name and name[:1].isupper():
        return name
    suffix = ""
    low = name.lower()
    for s, text in _SUFFIXES:
        if low.endswith(s):
            name, suffix = name[: -len(s)], text
            break
    words = [w for w in name.split("_") if w]
    if words and words[0].lower() == "n" and len(words) > 1:
        words = ["number", "of", *words[1:]]
    out = [_WORDS.get(w.lower(), w) for w in words]
    if out:
        out[0] = out[0] if out[0] in _WORDS.values() else out[0][:1].upper() + out[0][1:]
    return " ".join(out) + suffix


def _missing(v: Any) -> bool:
    if v is None or v is pd.NA or v is pd.NaT:
        return True
    try:
        return bool(isinstance(v, float) and math.isnan(v))
    except TypeError:  # pragma: no cover
        return False


def fmt_number(v: Any) -> str:
    """A number without scientific notation: integers with separators, reals to a sensible precision.

    Examples
    --------
    >>> [fmt_number(x) for x in (30100, 0.487089, 1.072781e-02, 3.01e+04, -7.11e-15, 2.5e-5, None)]
    ['30,100', '0.487', '0.0107', '30,100', '0', '<0.001', '–']
    """
    if _missing(v):
        return DASH
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, numbers.Integral):
        return f"{int(v):,}"
    if not isinstance(v, numbers.Real):
        return str(v)
    x = float(v)
    if math.isinf(x):
        return "infinite" if x > 0 else "minus infinite"
    a = abs(x)
    if a < 1e-9:
        return "0"
    if float(x).is_integer() and a >= 1:
        return f"{x:,.0f}"
    if a >= 100:
        return f"{x:,.0f}"
    if a >= 10:
        return f"{x:,.1f}"
    if a >= 1:
        return f"{x:,.2f}"
    if a >= 0.001:
        return f"{x:.3g}"
    return "<0.001" if x > 0 else ">-0.001"


def fmt_count(v: Any) -> str:
    """A count with thousands separators (``30,100``); a dash when missing."""
    return DASH if _missing(v) else f"{round(float(v)):,}"


def fmt_pct(v: Any, *, decimals: int = 1) -> str:
    """A value already in per cent, with ``%`` (``48.7%``).

    Examples
    --------
    >>> fmt_pct(48.7089), fmt_pct(-0.04)
    ('48.7%', '0.0%')
    """
    if _missing(v):
        return DASH
    x = round(float(v), decimals)
    return f"{0.0 if x == 0 else x:,.{decimals}f}%"


def fmt_gbp_m(v: Any, *, decimals: int = 1) -> str:
    """GBP million to one decimal, thousands separated (no currency sign; the label says GBP m).

    Examples
    --------
    >>> fmt_gbp_m(253.9740878497154), fmt_gbp_m(-1234.56)
    ('254.0', '-1,234.6')
    """
    if _missing(v):
        return DASH
    x = round(float(v), decimals)
    return f"{0.0 if x == 0 else x:,.{decimals}f}"


def fmt_pvalue(v: Any) -> str:
    """A p-value to three decimals, so a column reads evenly; below 0.001 as ``<0.001``.

    Examples
    --------
    >>> fmt_pvalue(0.49), fmt_pvalue(0.0123), fmt_pvalue(0.0002), fmt_pvalue(1.0)
    ('0.490', '0.012', '<0.001', '1.000')
    """
    if _missing(v):
        return DASH
    x = float(v)
    return "<0.001" if x < 0.0005 else f"{x:.3f}"


def fmt_rate(v: Any) -> str:
    """A rate or ratio to a readable precision (``fmt_number``)."""
    return fmt_number(v)


def fmt_period(v: Any) -> str:
    """A period for readers: financial years ``2013/14``, quarters ``2013 Q2``, months ``Apr 2013``.

    Examples
    --------
    >>> fmt_period(pd.Period("2013Q2", "Q")), fmt_period(pd.Period("2013-04", "M")), fmt_period(pd.Period("2014", "Y-MAR"))
    ('2013 Q2', 'Apr 2013', '2013/14')
    >>> fmt_period(pd.Timestamp("2013-04-01")), fmt_period("2013/14")
    ('1 Apr 2013', '2013/14')
    """
    if _missing(v):
        return DASH
    if isinstance(v, pd.Period):
        freq = v.freqstr.upper()
        if freq.startswith("Q"):
            return f"{v.year} Q{v.quarter}" if freq in ("Q", "Q-DEC") else f"{v.qyear - 1}/{v.qyear % 100:02d} Q{v.quarter}"
        if freq.startswith("M"):
            return v.strftime("%b %Y")
        if freq.startswith(("Y-MAR", "A-MAR")):
            return f"{v.year - 1}/{v.year % 100:02d}"
        if freq.startswith(("Y", "A")):
            return str(v.year)
        return str(v)
    if isinstance(v, pd.Timestamp):
        return f"{v.day} {v.strftime('%b %Y')}"
    return str(v)


def _fmt_text(v: Any) -> str:
    if _missing(v):
        return DASH
    if isinstance(v, (list, tuple)):
        return ", ".join(map(str, v))
    return str(v)


def _table_id(df: pd.DataFrame, caption: str | None, formatters: dict | None = None) -> str:
    """A stable id from what the table shows (its formatted cells), so that two runs whose
    numbers differ only beyond the displayed precision (summation order) give identical HTML."""
    formatters = formatters or {}
    h = hashlib.sha256()
    for col in df.columns:
        f = formatters.get(col)
        cells = [DASH if _missing(v) else (f(v) if f else str(v)) for v in df[col]]
        h.update(("\x1f".join(cells) + "\x1e").encode())
    h.update("|".join(map(str, df.columns)).encode())
    h.update((caption or "").encode())
    return "tbl" + h.hexdigest()[:12]


def format_table(
    df: pd.DataFrame,
    *,
    counts: Iterable[str] = (),
    pct: Iterable[str] = (),
    money_gbp_m: Iterable[str] = (),
    rates: Iterable[str] = (),
    dates: Iterable[str] = (),
    labels: Mapping[str, str] | None = None,
    price_base: str | None = None,
    caption: str | None = None,
    shares: Iterable[str] = (),
    pvalues: Iterable[str] = (),
) -> "pd.io.formats.style.Styler":
    """Format a DataFrame for readers; returns a pandas Styler (the input is not changed).

    Parameters
    ----------
    df : DataFrame
        The table; the index is dropped from the display (reset it first if it holds data).
    counts : columns shown as whole numbers with thousands separators.
    pct : columns already in per cent, shown with ``%`` to one decimal.
    money_gbp_m : columns in GBP million, one decimal; the label gets "(GBP m)" and the
        caption the price base.
    rates : columns of rates or ratios, shown without scientific notation.
    dates : columns of periods or dates (``2013/14``, ``2013 Q2``, ``Apr 2013``).
    labels : explicit column labels (others from :func:`human_label`).
    price_base : e.g. ``"2014/15"``; stated in the caption when there are money columns.
    caption : table caption.
    shares : columns of fractions (0-1) shown as per cent.
    pvalues : columns of p-values, shown to three decimals (``0.490``, ``<0.001``).

    Returns
    -------
    Styler
        Other numeric columns get :func:`fmt_number`; text wraps between words (a word is
        never broken) and is left-aligned, numbers right-aligned; missing values show a dash,
        explained in a footnote in the caption. Cell text, column labels and the caption are
        HTML-escaped, so text from inputs never becomes markup.

    Examples
    --------
    >>> df = pd.DataFrame({"option": ["A", None], "npv_gbp_m": [253.974, float("nan")]})
    >>> html = format_table(df, money_gbp_m=["npv_gbp_m"], price_base="2014/15").to_html()
    >>> "254.0" in html and "NPV (GBP m)" in html and "2014/15 prices" in html and "not available" in html
    True
    """
    counts, pct, money, rates, dates, shares, pvalues = (list(x) for x in (counts, pct, money_gbp_m, rates, dates,
                                                                             shares, pvalues))
    labels = dict(labels or {})
    data = df.reset_index(drop=True)
    data.columns = [str(c) for c in data.columns]
    formatters: dict[str, Any] = {}
    for col in data.columns:
        if col in counts:
            formatters[col] = fmt_count
        elif col in pct:
            formatters[col] = fmt_pct
        elif col in shares:
            formatters[col] = lambda v: fmt_pct(None if _missing(v) else 100 * float(v))
        elif col in money:
            formatters[col] = fmt_gbp_m
        elif col in pvalues:
            formatters[col] = fmt_pvalue
        elif col in rates:
            formatters[col] = fmt_rate
        elif col in dates or isinstance(data[col].dtype, pd.PeriodDtype) or pd.api.types.is_datetime64_any_dtype(data[col]):
            formatters[col] = fmt_period
        elif pd.api.types.is_bool_dtype(data[col]):
            formatters[col] = lambda v: DASH if _missing(v) else ("yes" if v else "no")
        elif pd.api.types.is_numeric_dtype(data[col]):
            formatters[col] = fmt_number
        else:
            formatters[col] = lambda v: fmt_number(v) if isinstance(v, numbers.Number) and not isinstance(v, bool) else _fmt_text(v)
    has_missing = bool(data.isna().to_numpy().any()) if len(data.columns) else False
    names = {}
    for col in data.columns:
        label = labels.get(col) or human_label(col)
        if col in money and "GBP" not in label:
            label += " (GBP m)"
        if col in shares and "%" not in label:
            label += " (%)"
        names[col] = label
    notes = []
    if caption:
        notes.append(caption)
    if money:
        notes.append(f"Money in GBP million{f', {price_base} prices' if price_base else ''}.")
    if has_missing:
        notes.append(f"{DASH} not available or not applicable.")
    # every displayed text is HTML-escaped: names of forces, files and options come from users
    safe = {c: (lambda f: (lambda v: html.escape(f(v), quote=False)))(f) for c, f in formatters.items()}
    styler = data.style.format(safe, na_rep=DASH).hide(axis="index")
    styler = styler.format_index(lambda c: html.escape(str(names.get(c, c)), quote=False), axis="columns")
    styler = styler.set_uuid(_table_id(data, caption, safe))
    if notes:
        styler = styler.set_caption(html.escape(" ".join(notes), quote=False))
    text_cols = [c for c in data.columns if c not in formatters or not pd.api.types.is_numeric_dtype(data[c])]
    styler = styler.set_table_styles([
        {"selector": "caption", "props": "caption-side: top; text-align: left; font-weight: normal; padding: 4px 0;"},
        {"selector": "th", "props": "text-align: left; white-space: normal;"},
        {"selector": "td", "props": "white-space: normal; overflow-wrap: normal; word-break: normal; hyphens: none; "
                                    "vertical-align: top;"},
    ])
    numeric = [c for c in data.columns if pd.api.types.is_numeric_dtype(data[c])]
    if numeric:
        styler = styler.set_properties(subset=numeric, **{"text-align": "right"})
        heads = [{"selector": f"th.col{list(data.columns).index(c)}", "props": "text-align: right;"} for c in numeric]
        styler = styler.set_table_styles(heads, overwrite=False)
    text_only = [c for c in data.columns if c not in numeric]
    if text_only:   # report templates right-align every cell; words read from the left
        styler = styler.set_properties(subset=text_only, **{"text-align": "left"})
    wide = [c for c in text_cols if data[c].astype(str).str.len().max() > 40] if len(data) else []
    if wide:
        styler = styler.set_properties(subset=wide, **{"min-width": "16em", "max-width": "40em"})
    return styler


def number_sentence(label: str, value: Any, kind: str = "number", *, unit: str = "") -> str:
    """One fact for a summary: ``"**Label**: 30,100 offences"``.

    ``kind`` is ``count``, ``pct``, ``share`` (fraction), ``gbp_m``, ``period`` or ``number``.

    Examples
    --------
    >>> number_sentence("Recorded crime 2013/14", 30100, "count", unit="offences")
    '**Recorded crime 2013/14**: 30,100 offences'
    >>> number_sentence("Expected NPV", 245.17, "gbp_m")
    '**Expected NPV**: GBP 245.2m'
    """
    fmt = {"count": fmt_count, "pct": fmt_pct, "share": lambda v: fmt_pct(None if _missing(v) else 100 * float(v)),
           "period": fmt_period, "number": fmt_number}
    if kind == "gbp_m":
        text = DASH if _missing(value) else f"GBP {fmt_gbp_m(value)}m"
    elif kind in fmt:
        text = fmt[kind](value)
    else:
        raise ParameterError(f"number_sentence: kind {kind!r} is unknown; fix: use one of count, pct, share, gbp_m, period, number")
    return f"**{label}**: {text}" + (f" {unit}" if unit and text != DASH else "")


def number_summary(facts: Sequence[tuple[str, Any, str] | tuple[str, Any, str, str]], *, heading: str | None = None) -> str:
    """A markdown bullet list of facts in numbers (each ``(label, value, kind[, unit])``).

    Examples
    --------
    >>> print(number_summary([("Forces", 2, "count"), ("Share of crime", 0.691, "share")]))
    - **Forces**: 2
    - **Share of crime**: 69.1%
    """
    lines = [f"**{heading}**", ""] if heading else []
    for fact in facts:
        label, value, kind, *rest = fact
        lines.append("- " + number_sentence(label, value, kind, unit=rest[0] if rest else ""))
    return "\n".join(lines)
