"""The answer-first report structure (issue 20): words and sections every report shares.

Every report opens, after its title and the "What produced this report" header, with
``## The answer`` (at most six plain sentences for a lay reader), then ``## Key figures``
(a small table), then its sections, and last ``## How this was worked out`` (method
names, diagnostics, assumptions, data sources). The helpers here give every notebook the
same machinery:

- :func:`answer_text`: joins and checks the answer (at most six sentences, no code
  identifiers or model codes); :func:`code_identifiers` finds them in any reader text;
- :func:`about`, :func:`about_pct`, :func:`about_gbp_m`: numbers rounded as a newspaper
  would ("about 34,500", "12%", "£2.3 million");
- :func:`join_names` ("Dyfed-Powys, Gwent, North Wales and South Wales"), :func:`plural`
  ("1 month", "3 months");
- :class:`KeyFigures`: the key-figures table (renders itself, text escaped);
- :class:`Appendix`: the "How this was worked out" section (methods, assumptions, data
  sources and a glossary of the terms used), rendering itself;
- :data:`GLOSSARY` and :func:`explain`: one plain-language explanation per technical term;
- :data:`DOCUMENT_TITLES` and :func:`document_title`: the source papers by title, never by
  their hashed file names.

Everything that renders HTML escapes the text it is given (names of forces, files,
scenarios and options come from users).

Examples
--------
>>> answer_text(["Recorded crime rose by about 12% in three years.", "The rise is real."])
'Recorded crime rose by about 12% in three years. The rise is real.'
>>> about(34_512), about_pct(11.8), about_gbp_m(2.34)
('about 34,500', '12%', '£2.3 million')
>>> join_names(["Dyfed-Powys", "Gwent", "North Wales", "South Wales"])
'Dyfed-Powys, Gwent, North Wales and South Wales'
>>> plural(1, "month"), plural(3, "month"), plural(2, "quarter")
('1 month', '3 months', '2 quarters')
"""

from __future__ import annotations

import html
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from alliance_analysis.errors import ParameterError

#: The source papers (``../shared/seeds/``) by title, for readers.
DOCUMENT_TITLES: dict[str, str] = {
    "000_8f7a1a0a92a31161.txt": "Warwickshire and West Mercia Strategic Alliance, Treasurer's slides (c.2013)",
    "001_0255e07e538da6b4.txt": "Devon & Cornwall and Dorset Strategic Alliance, Police and Crime Panel presentation "
                                "(Oct 2017)",
    "002_4cc3981417ef25d8.txt": "West Mercia Police and Crime Panel agenda with the Police Foundation review "
                                "(21 Oct 2014)",
    "003_3b0c1c2e478d21e4.txt": "Devon & Cornwall PCC report to the panel on the alliance with Dorset (15 Apr 2016)",
    "004_f4fdb168081c2227.txt": "PCC decision PCC/D/2017/05, Mobilising Transformational Change (Feb 2017)",
}

#: Plain-language explanations of the technical terms reports use (the appendix's glossary).
GLOSSARY: dict[str, str] = {
    "seasonal naive": "a forecast that repeats last year's figure for the same month or quarter",
    "exponential smoothing": "a forecast that follows the recent level, trend and seasonal pattern, "
                             "giving recent periods more weight",
    "ARIMA": "a forecast built from the series' own recent values and its seasonal pattern",
    "Croston's method": "a forecast for counts that are mostly zero, estimating how often and how many",
    "MASE": "forecast error relative to simply repeating last year's figure (below 1 is better than that)",
    "sMAPE": "the average forecast error as a percentage of the actual and forecast values",
    "RMSPE": "the typical gap, in per cent, between a force and its synthetic comparison before the change",
    "negative binomial": "a model for counts that vary more than pure chance would make them",
    "interrupted time series": "a comparison of the trend before and after a change, allowing for season",
    "difference-in-differences": "the change in the forces that changed minus the change in similar forces "
                                 "that did not",
    "synthetic control": "a weighted mix of other forces built to track the force closely before a change, "
                         "used as the comparison after it",
    "small-cluster t": "a test that allows for having only a few forces to compare",
    "false discovery rate": "a correction so that, among the changes called real, few are due to chance",
    "p-value": "how often chance alone would give a difference at least this large (small means unlikely)",
    "confidence interval": "the range within which the true value lies, with the stated confidence",
    "prediction interval": "the range within which a future figure should fall, with the stated confidence",
    "Crime Severity Score": "recorded crime weighted by how severely courts sentence each offence (ONS)",
    "Cambridge Crime Harm Index": "crime weighted by the days of imprisonment the starting-point sentence implies",
    "NPV": "net present value: benefits minus costs over the years, with later money counted for less",
    "BCR": "benefit-cost ratio: benefits divided by costs (above 1 means benefits exceed costs)",
    "PV": "present value: future money expressed in today's terms",
    "Green Book": "HM Treasury's guidance on appraising public spending (3.5% a year discounting)",
    "Monte Carlo": "repeating the calculation many times with uncertain inputs drawn at random",
    "Erlang C": "the standard formula for how many call handlers keep waiting times within a target",
    "average handling time": "the average time a call handler spends on one call",
    "financial year": "April to March, written 2022/23",
    "per 1,000 residents": "the count divided by the area's population, times 1,000",
    "recorded crime": "crimes the police recorded, excluding fraud reported to Action Fraud unless said",
    "relative difference": "the recomputed figure minus the printed figure, as a percentage of the printed one",
    "log scale": "an axis on which equal steps mean equal percentage changes",
}

#: Model codes and abbreviations that must never reach a reader's text unexplained.
#: (Lower-case codes only: English words such as "its", "did" or "drift" are not listed.)
MODEL_CODES: frozenset[str] = frozenset({
    "ets", "snaive", "sba", "tsb", "sarima", "mase", "smape", "rmspe", "negbin", "aht", "fdr_bh", "bcr_p10",
    "log10", "log1p", "expm1",
})

_SNAKE = re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b")
_HASHED = re.compile(r"\b\d{3}_[0-9a-f]{16}\.txt\b")
_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9£\"'(])")


def code_identifiers(text: str) -> list[str]:
    """Code identifiers in reader text: snake_case names, hashed file names and model codes.

    Text inside backticks counts too (a reader sees it). URLs and file names ending
    ``.csv``/``.yaml`` are code as well when written in snake_case.

    Examples
    --------
    >>> code_identifiers("The ets model beat snaive; see covid_lockdowns_2020_21 and 002_4cc3981417ef25d8.txt.")
    ['002_4cc3981417ef25d8.txt', 'covid_lockdowns_2020_21', 'ets', 'snaive']
    >>> code_identifiers("Crime rose by about 12% in West Mercia.")
    []
    """
    text = str(text)
    found = set(_HASHED.findall(text))
    stripped = _HASHED.sub(" ", text)
    found |= set(_SNAKE.findall(stripped))
    words = re.findall(r"\b[A-Za-z][A-Za-z0-9_]*\b", stripped)
    found |= {w for w in words if w in MODEL_CODES}   # lower-case codes only: "ITS" in a sentence is not "its"
    return sorted(found)


def _sentences(text: str) -> list[str]:
    protected = re.sub(r"\b(e\.g|i\.e|c|approx|no|vs|Dr|Mr|Ms|St)\.", lambda m: m.group(0).replace(".", "\0"), text)
    protected = re.sub(r"(\d)\.(\d)", "\\1\0\\2", protected)
    return [s.replace("\0", ".").strip() for s in _SENTENCE.split(protected.strip()) if s.strip()]


def split_sentences(text: str) -> list[str]:
    """The sentences of ``text`` (decimal points and abbreviations such as "e.g." do not end one).

    Examples
    --------
    >>> split_sentences("Crime rose 2.5%. It fell, e.g. in May.")
    ['Crime rose 2.5%.', 'It fell, e.g. in May.']
    """
    return _sentences(str(text))


def sentence_count(text: str) -> int:
    """Number of sentences (decimal points and abbreviations such as "e.g." do not end one).

    Examples
    --------
    >>> sentence_count("Crime rose 2.5% (e.g. burglary). It fell in 2013/14. That is all!")
    3
    """
    return len(_sentences(text))


def answer_text(sentences: str | Sequence[str], *, max_sentences: int = 6) -> str:
    """The text of a report's ``## The answer`` section, checked.

    Parameters
    ----------
    sentences : str or sequence of str
        Plain-English sentences for a lay reader; empty items are dropped.
    max_sentences : int
        At most this many sentences (issue 20: six).

    Returns
    -------
    str
        The sentences joined with single spaces (markdown; no heading).

    Raises
    ------
    ParameterError
        More than ``max_sentences`` sentences, no sentence at all, or a code identifier or
        model code in the text (named, with the fix).

    Examples
    --------
    >>> answer_text("Crime fell. It fell again.")
    'Crime fell. It fell again.'
    >>> answer_text(["The snaive model won."])
    Traceback (most recent call last):
    ...
    alliance_analysis.errors.ParameterError: the answer contains code identifiers ['snaive']; fix: say it in plain words (see presentation.report.GLOSSARY)
    """
    parts = [sentences] if isinstance(sentences, str) else list(sentences)
    text = " ".join(" ".join(str(p).split()) for p in parts if p and str(p).strip())
    if not text:
        raise ParameterError("the answer is empty; fix: give at least one plain sentence")
    codes = code_identifiers(text)
    if codes:
        raise ParameterError(f"the answer contains code identifiers {codes}; fix: say it in plain words "
                             "(see presentation.report.GLOSSARY)")
    n = sentence_count(text)
    if n > max_sentences:
        raise ParameterError(f"the answer has {n} sentences; fix: keep it to {max_sentences} or fewer and move "
                             "the rest into the sections")
    return text


def _finite(x: Any) -> float | None:
    try:
        v = float(x)
    except (TypeError, ValueError):
        return None
    return v if math.isfinite(v) else None


def _round_sig(x: float, sig: int) -> float:
    if x == 0:
        return 0.0
    return round(x, sig - 1 - int(math.floor(math.log10(abs(x)))))


def about(x: Any, *, unit: str = "", exact_below: int = 100) -> str:
    """A count as a newspaper would write it: "about 34,500" (three significant figures).

    Whole numbers below ``exact_below`` are exact ("7"); a missing value reads "not known".

    Examples
    --------
    >>> about(34_512), about(7), about(1_234_567, unit="crimes"), about(float("nan"))
    ('about 34,500', '7', 'about 1.23 million crimes', 'not known')
    """
    v = _finite(x)
    if v is None:
        return "not known"
    tail = f" {unit}" if unit else ""
    if abs(v) < exact_below and float(v).is_integer():
        return f"{int(v):,}{tail}"
    if abs(v) >= 1_000_000:
        return f"about {_round_sig(v / 1e6, 3):,g} million{tail}"
    r = _round_sig(v, 3)
    text = f"{r:,.0f}" if abs(r) >= 1 else f"{r:g}"
    return f"about {text}{tail}"


def about_pct(x: Any, *, share: bool = False, signed: bool = False) -> str:
    """A percentage for readers: whole per cent, one decimal below 10 (``share``: ``x`` is a fraction).

    Examples
    --------
    >>> about_pct(11.8), about_pct(0.688, share=True), about_pct(4.26), about_pct(-3.04, signed=True)
    ('12%', '69%', '4.3%', '-3.0%')
    >>> about_pct(0.0997, share=True), about_pct(-9.96), about_pct(9.94)   # 9.97 rounds to 10: whole per cent
    ('10%', '-10%', '9.9%')
    """
    v = _finite(x)
    if v is None:
        return "not known"
    v = v * 100 if share else v
    text = f"{v:.1f}" if abs(round(v, 1)) < 10 else f"{v:.0f}"
    if text in ("-0.0", "-0"):
        text = text[1:]
    return ("+" if signed and v > 0 else "") + text + "%"


def about_gbp_m(x: Any) -> str:
    """Money in GBP millions for readers: "£2.3 million", "£450,000", "£1.2 billion".

    Examples
    --------
    >>> about_gbp_m(2.34), about_gbp_m(0.45), about_gbp_m(1234), about_gbp_m(-12.0)
    ('£2.3 million', '£450,000', '£1.2 billion', 'minus £12 million')
    """
    v = _finite(x)
    if v is None:
        return "not known"
    sign = "minus " if v < 0 else ""
    a = abs(v)
    if a >= 1000:
        return f"{sign}£{_round_sig(a / 1000, 2):g} billion"
    if a >= 1:
        r = _round_sig(a, 2 if a < 100 else 3)
        return f"{sign}£{r:,g} million"
    return f"{sign}£{_round_sig(a * 1e6, 2):,.0f}"


def plural(n: int | float, word: str, plural_word: str | None = None) -> str:
    """``"1 month"``, ``"3 months"`` (thousands separated).

    Examples
    --------
    >>> plural(1, "force"), plural(12, "claim"), plural(2, "city", "cities"), plural(1500, "offence")
    ('1 force', '12 claims', '2 cities', '1,500 offences')
    """
    many = plural_word or (word + "es" if word.endswith(("s", "sh", "ch", "x")) else word + "s")
    return f"{n:,} {word if n == 1 else many}"


def join_names(names: Iterable[Any], *, conjunction: str = "and") -> str:
    """Names as a reader writes them: "A", "A and B", "A, B and C" (duplicates dropped, order kept).

    Examples
    --------
    >>> join_names(["Warwickshire", "West Mercia"]), join_names(["Dorset"]), join_names([])
    ('Warwickshire and West Mercia', 'Dorset', '')
    """
    items = list(dict.fromkeys(str(n) for n in names if n is not None and str(n).strip()))
    if len(items) <= 2:
        return f" {conjunction} ".join(items)
    return ", ".join(items[:-1]) + f" {conjunction} " + items[-1]


def group_name(forces: Sequence[str], *, max_names: int = 4) -> str:
    """A readable name for a group of forces: the names joined, or "12 forces" when many.

    Examples
    --------
    >>> group_name(["Dyfed-Powys", "Gwent", "North Wales", "South Wales"])
    'Dyfed-Powys, Gwent, North Wales and South Wales'
    >>> group_name([f"F{i}" for i in range(6)])
    '6 forces (F0, F1, F2 and 3 more)'
    """
    forces = list(dict.fromkeys(forces))
    if len(forces) <= max_names:
        return join_names(forces)
    return f"{len(forces)} forces ({', '.join(forces[:3])} and {len(forces) - 3} more)"


def document_title(name: Any) -> str:
    """A source paper's title from its file name (unknown names are returned unchanged).

    Examples
    --------
    >>> document_title("004_f4fdb168081c2227.txt")
    'PCC decision PCC/D/2017/05, Mobilising Transformational Change (Feb 2017)'
    """
    return DOCUMENT_TITLES.get(str(name), str(name))


def explain(term: str) -> str:
    """``"term (plain explanation)"`` for the first use of a technical term in reader text.

    Raises
    ------
    ParameterError
        The term has no entry in :data:`GLOSSARY` (add one there).

    Examples
    --------
    >>> explain("BCR")
    'BCR (benefit-cost ratio: benefits divided by costs (above 1 means benefits exceed costs))'
    """
    if term not in GLOSSARY:
        raise ParameterError(f"no plain explanation of {term!r}; fix: add it to presentation.report.GLOSSARY")
    return f"{term} ({GLOSSARY[term]})"


def _css_table() -> str:
    return ("border-collapse:collapse;margin:0.5em 0;max-width:100%;")


_TD = "padding:4px 10px;border-bottom:1px solid #ddd;vertical-align:top;white-space:normal;" \
      "overflow-wrap:normal;word-break:normal;hyphens:none;"


@dataclass(frozen=True, repr=False)
class KeyFigures:
    """The ``## Key figures`` table: figure, value (already in words) and what it means.

    Build it with plain, reader-ready strings (use :func:`about` and friends for the
    values). It renders itself in a notebook, escaping every text.

    Examples
    --------
    >>> k = KeyFigures([("Recorded crime 2022/23", about(34_512), "excluding fraud")])
    >>> "about 34,500" in k._repr_html_() and "Recorded crime 2022/23" in k.to_markdown()
    True
    >>> "<script>" in KeyFigures([("<script>x</script>", "1", "")])._repr_html_()
    False
    """

    rows: Sequence[tuple[str, str, str] | tuple[str, str]]
    caption: str = ""

    def _rows(self) -> list[tuple[str, str, str]]:
        return [(str(r[0]), str(r[1]), str(r[2]) if len(r) > 2 and r[2] is not None else "") for r in self.rows]

    def __repr__(self) -> str:
        return self.to_markdown()

    def to_markdown(self) -> str:
        """A markdown table (pipes in text are escaped)."""
        esc = lambda s: s.replace("|", "\\|")  # noqa: E731
        lines = ["| Figure | Value | What it means |", "|:---|---:|:---|"]
        lines += [f"| {esc(a)} | {esc(b)} | {esc(c)} |" for a, b, c in self._rows()]
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        e = html.escape
        head = (f"<caption style='caption-side:top;text-align:left;padding:4px 0'>{e(self.caption)}</caption>"
                if self.caption else "")
        body = "".join(
            f"<tr><td style='{_TD}text-align:left'>{e(a)}</td>"
            f"<td style='{_TD}text-align:left'><strong>{e(b)}</strong></td>"
            f"<td style='{_TD}text-align:left'>{e(c)}</td></tr>" for a, b, c in self._rows())
        return (f"<table class='key-figures' style='{_css_table()}'>{head}<thead><tr>"
                f"<th style='{_TD}text-align:left'>Figure</th><th style='{_TD}text-align:left'>Value</th>"
                f"<th style='{_TD}text-align:left'>What it means</th></tr></thead><tbody>{body}</tbody></table>")


@dataclass(frozen=True, repr=False)
class Appendix:
    """The ``## How this was worked out`` section: methods, assumptions, data sources, glossary.

    Each entry is plain text (escaped when rendered); ``terms`` are looked up in
    :data:`GLOSSARY` (unknown terms raise). Method names and diagnostics belong here, not
    in the answer.

    Examples
    --------
    >>> a = Appendix(methods=["Counts by financial year."], sources=["Home Office open data"], terms=["BCR"])
    >>> md = a.to_markdown()
    >>> "**Methods**" in md and "benefit-cost ratio" in md
    True
    """

    methods: Sequence[str] = ()
    assumptions: Sequence[str] = ()
    sources: Sequence[str] = ()
    diagnostics: Sequence[str] = ()
    terms: Sequence[str] = ()
    extra: Mapping[str, Sequence[str]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        unknown = [t for t in self.terms if t not in GLOSSARY]
        if unknown:
            raise ParameterError(f"no plain explanation of {unknown}; fix: add them to presentation.report.GLOSSARY")

    def _blocks(self) -> list[tuple[str, list[str]]]:
        blocks = [("Methods", list(self.methods)), ("Assumptions", list(self.assumptions)),
                  ("Diagnostics", list(self.diagnostics)), ("Data sources", list(self.sources))]
        blocks += [(k, list(v)) for k, v in self.extra.items()]
        if self.terms:
            blocks.append(("Terms used", [f"{t}: {GLOSSARY[t]}" for t in self.terms]))
        return [(k, v) for k, v in blocks if v]

    def to_markdown(self) -> str:
        """Markdown: a bold heading per block and a bullet per entry (text escaped for HTML)."""
        out = []
        for head, items in self._blocks():
            out += [f"**{head}**", ""] + [f"- {html.escape(str(i), quote=False)}" for i in items] + [""]
        return "\n".join(out).strip()

    def _repr_markdown_(self) -> str:
        return self.to_markdown()

    def __repr__(self) -> str:
        return self.to_markdown()

    def _repr_html_(self) -> str:
        e = html.escape
        return "".join(f"<p><strong>{e(h)}</strong></p><ul>" + "".join(f"<li>{e(str(i))}</li>" for i in items)
                       + "</ul>" for h, items in self._blocks())


def escape_markdown(text: Any) -> str:
    """Text from inputs made safe for a markdown cell: HTML escaped, markdown link/emphasis syntax neutralised.

    Use it for any user-supplied name (force, file, scenario, option) placed in markdown.

    Examples
    --------
    >>> escape_markdown('<img src=x onerror=alert(1)> [a](javascript:alert(1))')
    '&lt;img src=x onerror=alert(1)&gt; \\\\[a\\\\](javascript:alert(1))'
    """
    s = html.escape(str(text), quote=False)
    return re.sub(r"([\\`*_\[\]])", r"\\\1", s)
