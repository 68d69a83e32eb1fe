"""Size and power of the reports' test on placebo designs: the real panel and synthetic series.

A placebo design treats one force, or a pair of forces taken together, that is in no
collaboration of the register (nor the City of London), from a random quarter with at
least three years of data before and three after, against every other such force (the
comparison pool). Nothing happened at that date, so every rejection at 5% is a false
positive. The same designs with a step added to the treated unit's post-period counts
measure power. Outcomes are force totals and offence groups.

:func:`placebo_study` runs the designs with exactly the estimator and test the reports use
(:func:`alliance_analysis.evaluation.comparison.window_test`, the whole post-period and
each year); :func:`synthetic_panel` builds a seeded synthetic panel (labelled synthetic)
with national shocks whose size differs by force, for the same check away from the real
data.

Examples
--------
>>> C = synthetic_panel(12, 48, seed=0)
>>> C.shape
(12, 48)
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
import pandas as pd

from alliance_analysis.evaluation import comparison, register

log = logging.getLogger(__name__)


def synthetic_panel(n_forces: int, n_periods: int, *, seed: int, level: float = 9.0, noise: float = 0.03,
                    ar: float = 0.6, uplift_at: int | None = None, drift: float = 0.015, drift_ar: float = 0.9,
                    trend: float = 0.0) -> np.ndarray:
    """SYNTHETIC seeded panel of quarterly counts (forces x periods) with national shocks.

    Log counts are a force level, a season, a national random walk, a national recording uplift
    phased in over 12 periods whose size differs by force (mean 20%, SD 8%), a slow force drift
    (AR(1), coefficient ``drift_ar``, innovations SD ``drift``), AR(1) force noise and, with ``trend``
    > 0, a force-specific straight-line trend (SD ``trend`` per period) that lasts the whole panel.
    Nothing else happens: any "effect" found is a false positive.

    The defaults match the real panel's persistence: a force's placebo effect (whole post-period,
    divided by the spread at its date) correlates with its own effect 4, 8 and 16 quarters later at
    0.74, 0.25 and -0.20 on the shipped panel, and about 0.64, 0.10 and -0.18 here. Straight-line
    trends lasting 17 years (``trend=0.004``, the earlier default) give 0.85, 0.61 and 0.51: each force
    is then one long-lived draw, the placebo dates add little, and the 5% test rejects about 7% (60
    panels x 25 designs; 5.7% at the verdict's 4%), a stress case the benchmark prints.

    Examples
    --------
    >>> bool((synthetic_panel(5, 40, seed=1) > 0).all())
    True
    """
    rng = np.random.default_rng(seed)
    t = np.arange(n_periods)
    season = np.array([0.0, 0.04, 0.02, -0.03])[t % 4]
    national = np.cumsum(rng.normal(0, 0.01, n_periods))
    u0 = n_periods // 2 if uplift_at is None else uplift_at
    ramp = np.clip((t - u0) / 12, 0, 1)
    size = rng.normal(0.2, 0.08, n_forces)
    e = np.zeros((n_forces, n_periods))
    w = np.zeros((n_forces, n_periods))
    eps = rng.normal(0, noise, (n_forces, n_periods))
    eta = rng.normal(0, drift, (n_forces, n_periods))
    for i in range(1, n_periods):
        e[:, i] = ar * e[:, i - 1] + eps[:, i]
        w[:, i] = drift_ar * w[:, i - 1] + eta[:, i]
    logy = (level + rng.normal(0, 0.5, (n_forces, 1)) + rng.normal(0, trend, (n_forces, 1)) * t
            + season + national + size[:, None] * ramp + e + w)
    return np.round(np.exp(logy))


def synthetic_study(n_panels: int, designs_per_panel: int, *, seed: int, n_forces: int = 30, n_periods: int = 69,
                    **panel_args) -> PlaceboStudy:
    """:func:`placebo_study` over ``n_panels`` SYNTHETIC panels (seeds ``seed``, ``seed + 1``...), pooled.

    One panel is one draw of the forces: its rejection rate depends on which forces happen to drift
    most, so the size of the test over the synthetic process is measured across many panels.

    Examples
    --------
    >>> int(synthetic_study(2, 5, seed=0).rates["n"].iloc[0])
    10
    """
    parts = [placebo_study({"synthetic": synthetic_panel(n_forces, n_periods, seed=seed + k, **panel_args)},
                           n_designs=designs_per_panel, seed=seed + k).designs for k in range(n_panels)]
    d = pd.concat(parts, ignore_index=True)
    return PlaceboStudy(d, _rates(d, 3, 0.10))


@dataclass(frozen=True)
class PlaceboStudy:
    """Per-design results (``designs``) and the summary rates (``rates``)."""

    designs: pd.DataFrame
    rates: pd.DataFrame

    def summary(self) -> str:
        """The rates as plain lines."""
        return "\n".join(f"{r.test}: rejects {r.rate:.1%} of {r.n} designs" for r in self.rates.itertuples())


def eligible_forces(forces, register_table: pd.DataFrame | None = None) -> list[str]:
    """Forces in no collaboration of the register, and not the City of London.

    Examples
    --------
    >>> eligible_forces(["Kent", "Norfolk", "City of London", "Essex"])
    ['Kent', 'Essex']
    """
    reg = register.collaborations() if register_table is None else register_table
    busy = {f for fs in reg["forces"] for f in fs} | {register.CITY}
    return [f for f in forces if f not in busy]


def placebo_study(panels: dict[str, np.ndarray], *, n_designs: int, seed: int, sizes=(1, 2), post_years: int = 3,
                  step: float = 0.10, periods_per_year: int = 4, with_mde: bool = False) -> PlaceboStudy:
    """Run seeded placebo designs on panels of counts (outcome -> forces x periods, same forces in each).

    For each design: an outcome, a treated set of ``sizes`` forces and a change index are drawn;
    the comparison pool is every other force. The overall window and each year are tested at 5%
    (the reports' rows); the "verdict" is the overall row (the reports call a change established
    only when its p-value is at most 5%). Power: the same designs with the treated unit's counts
    multiplied by ``1 + step`` from the change on.

    Returns
    -------
    PlaceboStudy
        ``designs``: outcome, treated, t0, p-values (``p_overall``, ``p_year1``...), ``p_overall_step``
        and (``with_mde``) ``mde``; ``rates``: rejection rate per test and the power.

    Examples
    --------
    >>> ps = placebo_study({"synthetic": synthetic_panel(15, 48, seed=2)}, n_designs=20, seed=0)
    >>> ps.rates["test"].tolist()[:2]
    ['whole post-period at 5%', 'the verdict (whole post-period at 4%)']
    """
    rng = np.random.default_rng(seed)
    m = periods_per_year
    L, P = comparison_pre(m), post_years * m
    names = list(panels)
    rows = []
    windows = [("overall", 0, P)] + [(f"year{k + 1}", k * m, (k + 1) * m) for k in range(post_years)]
    for _ in range(n_designs):
        out = names[int(rng.integers(len(names)))]
        C = panels[out]
        G, T = C.shape
        size = int(rng.choice(sizes))
        treated = rng.choice(G, size, replace=False)
        t0 = int(rng.integers(max(L, 3 * m), T - P + 1))
        pool = np.delete(C, treated, axis=0)
        y = C[treated].sum(axis=0).astype(float)
        y_step = y.copy()
        y_step[t0:] *= 1 + step
        rec = {"outcome": out, "treated": tuple(int(i) for i in treated), "size": size, "t0": t0}
        gaps = comparison.placebo_gaps(pool, size, seed=int(rng.integers(1 << 30)))
        for label, a, b in windows:
            null = comparison.placebo_null(pool, size, L, a, b, around=t0, gaps=gaps)
            w = comparison.window_test(y, pool, t0, L, a, b, null=null, size=size, with_mde=False)
            rec[f"p_{label}"] = w.p_value
            rec[f"ci_{label}_excludes_zero"] = bool(w.ci[0] > 0 or w.ci[1] < 0)
            if label == "overall":
                rec["effect_overall"] = w.percent
                rec["p_overall_step"] = comparison.window_test(y_step, pool, t0, L, a, b, null=null, size=size,
                                                               with_mde=False).p_value
                if with_mde:
                    rec["mde"] = comparison.mde_from_null(null, t0)
        rows.append(rec)
    d = pd.DataFrame(rows)
    return PlaceboStudy(d, _rates(d, post_years, step))


def _rates(d: pd.DataFrame, post_years: int, step: float) -> pd.DataFrame:
    a = comparison.ALPHA
    rates = [("whole post-period at 5%", float((d["p_overall"] <= a).mean())),
             ("the verdict (whole post-period at 4%)", float((d["p_overall"] <= comparison.VERDICT_ALPHA).mean()))]
    rates += [(f"year {k + 1}", float((d[f"p_year{k + 1}"] <= a).mean())) for k in range(post_years)]
    rates += [("interval excludes zero (whole period)", float(d["ci_overall_excludes_zero"].mean())),
              (f"power against a {step:.0%} step (whole period, 5%)", float((d["p_overall_step"] <= a).mean())),
              (f"power against a {step:.0%} step (the verdict)",
               float((d["p_overall_step"] <= comparison.VERDICT_ALPHA).mean()))]
    return pd.DataFrame([{"test": t, "rate": r, "n": len(d)} for t, r in rates])


def comparison_pre(periods_per_year: int) -> int:
    """Baseline length used by the reports (two years of periods).

    Examples
    --------
    >>> comparison_pre(4)
    8
    """
    from alliance_analysis.evaluation.studies import PRE_YEARS

    return PRE_YEARS * periods_per_year


def real_panels(series=None, *, groups: bool = True, register_table: pd.DataFrame | None = None
                ) -> dict[str, np.ndarray]:
    """Counts (eligible forces x quarters) of the shipped panel: force totals and each offence group.

    Examples
    --------
    >>> p = real_panels(groups=False)
    >>> p["total"].shape[0] >= 25
    True
    """
    if series is None:
        from alliance_analysis.series.sources import load_crime_series

        series = load_crime_series("default")
    tot = series.totals()
    wide = tot.pivot_table(index=series.time, columns="force", values="count", aggfunc="sum")
    forces = [f for f in eligible_forces(list(wide.columns), register_table) if wide[f].notna().all()]
    out = {"total": wide[forces].T.to_numpy(dtype=float)}
    if groups and "offence_group" in series.data.columns:
        d = series.data
        for g, sub in d.groupby("offence_group"):
            w = sub.pivot_table(index=series.time, columns="force", values="count", aggfunc="sum")
            w = w.reindex(index=wide.index, columns=forces)
            if w.notna().all().all():
                out[str(g)] = w.T.to_numpy(dtype=float)
    return out


def pooled_placebo_study(panels: dict[str, np.ndarray], *, n_designs: int, seed: int, sizes=(1, 2),
                         post_years: int = 3, step: float = 0.10, periods_per_year: int = 4) -> PlaceboStudy:
    """Seeded placebo designs for the offence groups pooled (the reports' headline when groups are given).

    ``panels`` maps each offence group to its counts (forces x periods, same forces); a ``"total"`` entry is
    ignored. Each design draws a treated set and a change index as :func:`placebo_study` does, and runs
    :func:`alliance_analysis.evaluation.comparison.pooled_window_tests` with the treated forces left out of
    the pool (their data never set the weights). Power: the same designs with every group's post-period
    counts multiplied by ``1 + step``.

    Examples
    --------
    >>> pan = {f"g{i}": synthetic_panel(14, 48, seed=i) for i in range(3)}
    >>> ps = pooled_placebo_study(pan, n_designs=6, seed=0)
    >>> ps.rates["test"].tolist()[:2]
    ['offence groups pooled, whole post-period at 5%', 'offence groups pooled, the verdict (at 3%)']
    """
    rng = np.random.default_rng(seed)
    m = periods_per_year
    L, P = comparison_pre(m), post_years * m
    names = [k for k in panels if k != "total"]
    stack = np.stack([panels[k] for k in names]).astype(float)     # groups x forces x periods
    _, G, T = stack.shape
    windows = [(0, P)] + [(k * m, (k + 1) * m) for k in range(post_years)]
    rows = []
    for _ in range(n_designs):
        size = int(rng.choice(sizes))
        treated = rng.choice(G, size, replace=False)
        t0 = int(rng.integers(max(L, 3 * m), T - P + 1))
        pool = np.delete(stack, treated, axis=1)
        y = stack[:, treated, :].sum(axis=1)
        pt = comparison.pooled_window_tests(y, pool, t0, L, windows, size=size, seed=int(rng.integers(1 << 30)))
        rec = {"treated": tuple(int(i) for i in treated), "size": size, "t0": t0, "mde": pt.tests[0].mde}
        for k, w in enumerate(pt.tests):
            rec["p_overall" if k == 0 else f"p_year{k}"] = w.p_value
        w0, null = pt.tests[0], pt.nulls[0]
        rec["ci_overall_excludes_zero"] = bool(w0.ci[0] > 0 or w0.ci[1] < 0)
        z = abs(w0.effect + np.log1p(step)) / w0.spread         # every group stepped: the pooled effect moves by it
        rec["p_overall_step"] = comparison.placebo_p(null.ratios, z)
        rows.append(rec)
    d = pd.DataFrame(rows)
    a = comparison.ALPHA
    rates = [("offence groups pooled, whole post-period at 5%", float((d["p_overall"] <= a).mean())),
             ("offence groups pooled, the verdict (at 3%)",
              float((d["p_overall"] <= comparison.POOLED_VERDICT_ALPHA).mean()))]
    rates += [(f"offence groups pooled, year {k + 1}", float((d[f"p_year{k + 1}"] <= a).mean()))
              for k in range(post_years)]
    rates += [("offence groups pooled, interval excludes zero", float(d["ci_overall_excludes_zero"].mean())),
              (f"offence groups pooled, power against a {step:.0%} step in every group (the verdict)",
               float((d["p_overall_step"] <= comparison.POOLED_VERDICT_ALPHA).mean()))]
    return PlaceboStudy(d, pd.DataFrame([{"test": t, "rate": r, "n": len(d)} for t, r in rates]))
