"""Calibration: how often each chart and the funnel cry wolf on a process that has not changed.

Stable processes are simulated with the overdispersion measured on the real panel:

- **XmR**: independent normal values (the chart is scale-free, so mean and spread do not matter);
- **Laney p' / u'**: each period's true rate varies around a fixed level by the extra
  spread measured on the real series (the median across forces of Laney's ``sigma_z``),
  then the count is drawn binomial (p) or Poisson (u) on the real denominators;
- **funnel**: 43 forces with the real denominators, true values spread around the target by
  the between-force variance ``tau^2`` measured on the real panel, counts drawn on top; the
  funnel then re-estimates ``tau^2`` from each simulated panel, as it does on the real one.

For each chart the false-alarm rate is the share of simulated stable series whose latest
point is flagged (what the report's verdict uses), and the share with any signal anywhere;
for the funnel, the share of forces outside the 95% and 99.8% limits (nominal 5% and 0.2%).
A plain p chart (no Laney adjustment) on the same series shows why the adjustment is needed,
and FunnelPlotR's between-force variance (DerSimonian-Laird on sampling z-scores winsorised at
10%) why the funnel winsorises on the total scale instead.

Measured (charge rate and recorded crime funnels, real 2018/19 denominators, 4,000 simulated
panels each, seed 2014): the funnel's 99.8% limits hold about 0.3% of stable forces outside
(promised 0.2%; the excess is the uncertainty of a spread estimated from 43 forces) and its
95% limits about 5%; with FunnelPlotR's estimate 0.6-0.7% and 7-8%.

Examples
--------
>>> r = chart_false_alarms("xmr", 12, n_sims=200, seed=1)
>>> 0.0 <= r["latest_flagged"] <= 0.2
True
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from alliance_analysis.errors import ParameterError
from alliance_analysis.performance import funnelplot as fn
from alliance_analysis.performance import spc
from alliance_analysis.progress import tqdm


#: the calibration table's name of each way of estimating the funnel's between-force variance
FUNNEL_CHECKS = {"winsorised": "funnel, additive random effects",
                 "dersimonian-laird": "funnel, spread between forces estimated as FunnelPlotR does (for comparison)"}


def _limits(kind: str, x: np.ndarray, n: np.ndarray, laney: bool = True) -> pd.DataFrame:
    if kind == "xmr":
        return spc.xmr_limits(x)
    lim = spc.laney_limits(x, n, kind=kind)
    if not laney:
        s = lim["sigma"] / lim["sigma_z"].iloc[0]
        c = lim["centre"]
        lim = lim.assign(sigma=s, lower=c - 3 * s, upper=c + 3 * s)
    return lim


def chart_false_alarms(kind: str, n_points: int, *, denominators: np.ndarray | None = None, level: float = 0.1,
                       sigma_z: float = 1.0, n_sims: int = 1000, seed: int = 2014, laney: bool = True) -> dict:
    """False-alarm rates of one chart on simulated stable processes.

    Parameters
    ----------
    kind : {"xmr", "p", "u"}
    n_points : int
        Series length (the real series').
    denominators : array, optional
        Real denominators of one series (p and u; recycled to ``n_points``).
    level : float
        The stable rate (p: a proportion; u: events per unit of denominator).
    sigma_z : float
        The overdispersion measured on the real series (Laney's sigma_z; 1 = none).
    n_sims : int
    seed : int
    laney : bool
        False gives the plain p / u chart on the same series.

    Returns
    -------
    dict
        ``latest_flagged`` (share of series whose latest point is a signal), ``any_signal``,
        the per-point rate of each rule (``outside``, ``shift``, ``trend``, ``two_of_three``),
        ``n_sims``.
    """
    if kind not in ("xmr", "p", "u"):
        raise ParameterError(f"chart kind {kind!r} is not xmr, p or u")
    if n_points < spc.MIN_POINTS:
        raise ParameterError(f"a chart needs at least {spc.MIN_POINTS} points")
    rng = np.random.default_rng(seed)
    n = None
    if kind != "xmr":
        if denominators is None or len(denominators) == 0:
            raise ParameterError("p and u charts need the real denominators")
        n = np.resize(np.asarray(denominators, dtype=float), n_points)
    latest = anyf = 0
    per_rule = dict.fromkeys(spc.RULES, 0)
    for _ in tqdm(range(n_sims), desc=f"{kind} chart", leave=False, disable=n_sims < 5000):
        if kind == "xmr":
            x = rng.normal(size=n_points)
        else:
            base = np.sqrt(level * (1 - level) / n) if kind == "p" else np.sqrt(level / n)
            extra = np.sqrt(max(sigma_z ** 2 - 1, 0.0)) * base
            rate = np.clip(level + rng.normal(size=n_points) * extra, 1e-9, 1 - 1e-9 if kind == "p" else np.inf)
            x = rng.binomial(n.astype(np.int64), rate).astype(float) if kind == "p" else \
                rng.poisson(n * rate).astype(float)
        f = spc.special_causes(_limits(kind, x, n if n is not None else np.ones(n_points), laney))
        latest += bool(f["signal"].iloc[-1])
        anyf += bool(f["signal"].any())
        for r in spc.RULES:
            per_rule[r] += int(f[r].sum())
    out = {"latest_flagged": latest / n_sims, "any_signal": anyf / n_sims, "n_sims": n_sims}
    out.update({r: v / (n_sims * n_points) for r, v in per_rule.items()})
    return out


def funnel_false_alarms(denominators: np.ndarray, *, kind: str = "p", target: float = 0.1, tau2: float = 0.0,
                        method: str = "additive", n_sims: int = 500, seed: int = 2014,
                        tau2_method: str = "winsorised") -> dict:
    """False-alarm rates of the funnel on simulated forces whose true values differ only by ``tau2``.

    Each simulated panel's funnel estimates its own ``tau2`` (by ``tau2_method``), as on real data.

    Returns
    -------
    dict
        ``outside_95`` and ``outside_998`` (share of force-draws outside those limits; nominal
        0.05 and 0.002), ``any_outside_998`` (share of panels with at least one force outside),
        ``n_sims``.
    """
    n = np.asarray(denominators, dtype=float)
    rng = np.random.default_rng(seed)
    o95 = o998 = any998 = 0
    for _ in range(n_sims):
        true = np.clip(target + rng.normal(size=len(n)) * np.sqrt(tau2), 1e-9, 1 - 1e-9 if kind == "p" else np.inf)
        x = rng.binomial(n.astype(np.int64), true) if kind == "p" else rng.poisson(n * true)
        f = fn.funnel(x, n, kind=kind, method=method, tau2_method=tau2_method)
        z = f["z"].abs().to_numpy()
        o95 += int((z > fn.Z95).sum())
        k = int((z > fn.Z998).sum())
        o998 += k
        any998 += k > 0
    return {"outside_95": o95 / (n_sims * len(n)), "outside_998": o998 / (n_sims * len(n)),
            "any_outside_998": any998 / n_sims, "n_sims": n_sims}


def measured_overdispersion(panel: pd.DataFrame, measure: str, kind: str) -> dict:
    """What the real panel says about a measure: median Laney ``sigma_z`` across forces' series,
    their median length and denominators, the pooled level, and the funnel's ``phi`` and ``tau2``
    at the latest period all forces share."""
    from alliance_analysis import clean
    from alliance_analysis.performance.measures import MEASURES, latest_common_period

    s = panel[(panel["measure"] == measure) & panel["force"].isin(clean.CANONICAL_FORCES)]
    if "offence_group" in s.columns:
        s = s[s["offence_group"].isna()]
    sz, lengths = [], []
    for _, g in s.groupby("force"):
        g = g.sort_values("period_start")
        if len(g) >= 3 and kind != "xmr":
            sz.append(float(spc.laney_limits(g["numerator"], g["denominator"], kind=kind)["sigma_z"].iloc[0]))
        lengths.append(len(g))
    period = latest_common_period(panel, measure)
    last = s[s["period"] == period]
    level = float(s["numerator"].sum() / s["denominator"].sum())
    f = fn.funnel(last["numerator"], last["denominator"], kind="p" if kind == "p" else "u")
    return {"measure": measure, "label": MEASURES[measure].label, "kind": kind,
            "sigma_z": float(np.median(sz)) if sz else float("nan"), "n_points": int(np.median(lengths)),
            "denominators": s[s["force"] == s.groupby("force")["denominator"].sum().idxmax()]["denominator"]
            .to_numpy() if kind != "xmr" else None,
            "series_denominators": {k: g.sort_values("period_start")["denominator"].to_numpy()
                                    for k, g in s.groupby("force")},
            "level": level, "phi": f.attrs["phi"], "tau2": f.attrs["tau2"], "period": period,
            "funnel_denominators": last["denominator"].to_numpy(), "funnel_target": f.attrs["target"]}


def calibrate(annual: pd.DataFrame, outcomes: pd.DataFrame, *, n_sims: int = 1000, seed: int = 2014) -> pd.DataFrame:
    """The calibration table: each chart and the funnel on stable processes shaped like the real panel.

    Representative measures: recorded crime per 1,000 (Laney u', annual), the charge rate
    (Laney p', quarterly), officers per 1,000 (XmR, annual); funnels for the charge rate and
    recorded crime per 1,000. Each chart's series use a median-sized force's real denominators.

    Returns
    -------
    DataFrame
        ``check``, ``measure``, ``points``, ``overdispersion`` (sigma_z or tau2 as measured),
        ``nominal`` (the rate the method promises, where it promises one), ``false_alarm_latest``
        (share of stable series whose latest point is flagged; for funnels the share of forces
        outside the 99.8% limits), ``any_signal`` (any point flagged; funnels: any force outside 99.8%),
        ``outside_95`` (funnels), ``n_sims``.
    """
    rows = []
    specs = [("crime_per_1000", "u", annual), ("charge_rate", "p", outcomes), ("officers_per_1000", "xmr", annual)]
    for i, (measure, kind, panel) in enumerate(specs):
        m = measured_overdispersion(panel, measure, kind)
        dens = m["series_denominators"]
        mid = sorted(dens, key=lambda k: dens[k].mean())[len(dens) // 2]
        for laney in ([True, False] if kind != "xmr" else [True]):
            r = chart_false_alarms(kind, m["n_points"], denominators=dens[mid] if kind != "xmr" else None,
                                   level=m["level"], sigma_z=m["sigma_z"], n_sims=n_sims, seed=seed + i, laney=laney)
            name = {"xmr": "XmR chart", "p": "Laney p' chart", "u": "Laney u' chart"}[kind] if laney else \
                {"p": "plain p chart (no adjustment)", "u": "plain u chart (no adjustment)"}[kind]
            rows.append({"check": name, "measure": m["label"], "points": m["n_points"],
                         "overdispersion": m["sigma_z"] if kind != "xmr" else float("nan"), "nominal": float("nan"),
                         "false_alarm_latest": r["latest_flagged"], "any_signal": r["any_signal"],
                         "outside_95": float("nan"), "n_sims": n_sims})
    funnels = [("charge_rate", "p", outcomes, "winsorised"), ("crime_per_1000", "u", annual, "winsorised"),
               ("charge_rate", "p", outcomes, "dersimonian-laird")]
    for i, (measure, kind, panel, how) in enumerate(funnels):
        m = measured_overdispersion(panel, measure, kind)
        r = funnel_false_alarms(m["funnel_denominators"], kind=kind, target=m["level"], tau2=m["tau2"],
                                n_sims=max(n_sims // 2, 50), seed=seed + 10 + i, tau2_method=how)
        rows.append({"check": FUNNEL_CHECKS[how], "measure": m["label"],
                     "points": len(m["funnel_denominators"]), "overdispersion": m["tau2"], "nominal": 0.002,
                     "false_alarm_latest": r["outside_998"], "any_signal": r["any_outside_998"],
                     "outside_95": r["outside_95"], "n_sims": r["n_sims"]})
    return pd.DataFrame(rows)
