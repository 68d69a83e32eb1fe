"""Policy impact: interrupted time series and comparison with peer forces.

- :func:`interrupted_time_series`: segmented count regression (negative binomial or
  quasi-Poisson GLM) with month-of-year effects, a pre-trend, and a level and slope change
  at the change date; declared data-quality breaks are handled (gap months excluded; a
  recording-practice change gets its own level shift so it is not credited to the policy).
- :func:`difference_in_differences`: log counts, force and month fixed effects, treated x
  post effect with standard errors clustered by force.
- :func:`synthetic_control`: non-negative donor weights summing to one fitted on the
  pre-period; post/pre RMSPE ratio; placebo tests in space (each donor as if treated) and
  in time (fake change dates in the pre-period).
- :func:`verdict`: a plain-language statement of what can be concluded and how confidently.

Dates: the alliance began on 1 November 2011; West Mercia's new policing model on 30
September 2013 (first post month 2013-10).

Examples
--------
>>> months = pd.period_range("2011-01", periods=48, freq="M")
>>> y = np.where(np.arange(48) >= 24, 120, 100)
>>> r = interrupted_time_series(pd.DataFrame({"month": months, "count": y}), "2013-01", seasonality=False)
>>> round(r.level_change, 2)
0.2
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from alliance_analysis.errors import DataValidationError, ParameterError

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class DataBreak:
    """A declared data-quality break: ``gap`` months are excluded; ``recording_change`` adds a level shift."""

    kind: str  # "gap" or "recording_change"
    start: str
    end: str | None = None
    note: str = ""


def _series(df: pd.DataFrame, value: str = "count") -> pd.DataFrame:
    for c in ("month", value):
        if c not in df.columns:
            raise DataValidationError("column is missing", column=c, fix="give 'month' (Period[M]) and 'count'")
    if not isinstance(df["month"].dtype, pd.PeriodDtype) or not df["month"].dtype.freq.name.startswith("M"):
        raise DataValidationError("month must be a monthly pandas Period", column="month", fix="use clean.to_month")
    s = df.groupby("month", as_index=False)[value].sum(min_count=1).sort_values("month")
    if (s[value] < 0).any():
        raise DataValidationError(f"negative count in {s.loc[s[value] < 0, 'month'].iloc[0]}", column=value,
                                  fix="counts must be >= 0")
    return s.rename(columns={value: "count"}).reset_index(drop=True)


@dataclass(frozen=True)
class ITSResult:
    """Interrupted time series estimates (rate ratios - 1, i.e. proportional changes)."""

    level_change: float
    level_ci: tuple[float, float]
    level_p: float
    slope_change_annual: float
    slope_ci: tuple[float, float]
    slope_p: float
    fitted: pd.DataFrame  # month, count, fitted, counterfactual, cf_low, cf_high, post, excluded
    family: str
    excluded_months: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def interrupted_time_series(
    df: pd.DataFrame,
    change_date: str,
    *,
    seasonality: bool = True,
    family: str = "negbin",
    breaks: Sequence[DataBreak] = (),
    min_pre: int = 12,
) -> ITSResult:
    """Segmented count regression: level and slope change at ``change_date``.

    ``log E[y_t] = a + b t + c post_t + d (t - t0) post_t [+ month effects] [+ recording shifts]``;
    the level change is ``exp(c) - 1`` and the slope change ``exp(12 d) - 1`` a year, each
    with a 95% Wald interval. The counterfactual extends the pre-period model without the
    post terms (intervals from the coefficient covariance).
    """
    import statsmodels.api as sm

    s = _series(df)
    t0 = pd.Period(change_date, "M")
    if not (s["month"].min() < t0 <= s["month"].max()):
        raise ParameterError(f"change date {t0} is outside the data ({s['month'].min()} to {s['month'].max()})")
    full = pd.period_range(s["month"].min(), s["month"].max(), freq="M")
    s = s.set_index("month").reindex(full).rename_axis("month").reset_index()
    excluded = []
    notes = []
    rec_cols = []
    for b in breaks:
        start = pd.Period(b.start, "M")
        end = pd.Period(b.end, "M") if b.end else s["month"].max()
        if b.kind == "gap":
            mask = s["month"].between(start, end)
            excluded += s.loc[mask, "month"].astype(str).tolist()
            s.loc[mask, "count"] = np.nan
            notes.append(f"months {start}..{end} excluded (declared gap: {b.note or 'data supply'})")
        elif b.kind == "recording_change":
            col = f"recording_{start}"
            s[col] = (s["month"] >= start).astype(float)
            rec_cols.append(col)
            notes.append(f"level shift from {start} attributed to a recording change ({b.note}), not to the policy")
        else:
            raise ParameterError(f"break kind {b.kind!r}: use 'gap' or 'recording_change'")
    undeclared = s["count"].isna() & ~s["month"].astype(str).isin(excluded)
    if undeclared.any():
        raise DataValidationError(f"months {s.loc[undeclared, 'month'].astype(str).tolist()[:5]} have no data and no "
                                  "declared break", column="count",
                                  fix="declare them with DataBreak('gap', start, end) or supply the data")
    t = np.array([(m - s["month"].iloc[0]).n for m in s["month"]], dtype=float)
    post = (s["month"] >= t0).to_numpy(dtype=float)
    tpost = np.maximum(t - (t0 - s["month"].iloc[0]).n, 0) * post
    n_pre = int(((s["month"] < t0) & s["count"].notna()).sum())
    if n_pre < min_pre:
        raise DataValidationError(f"only {n_pre} pre-period months; at least {min_pre} needed", column="month",
                                  fix="use a longer pre-period")
    X = pd.DataFrame({"const": 1.0, "t": t, "post": post, "t_post": tpost})
    if seasonality:
        X = X.join(pd.get_dummies(s["month"].dt.month, prefix="m", drop_first=True, dtype=float))
    for c in rec_cols:
        X[c] = s[c]
    ok = s["count"].notna().to_numpy()
    y = s.loc[ok, "count"].to_numpy(dtype=float)
    if family == "negbin":
        pois = sm.GLM(y, X[ok], family=sm.families.Poisson()).fit()
        mu = pois.mu
        alpha = max(float(((y - mu) ** 2 - y).sum() / (mu**2).sum()), 1e-8)
        res = sm.GLM(y, X[ok], family=sm.families.NegativeBinomial(alpha=alpha)).fit()
    elif family == "poisson":
        res = sm.GLM(y, X[ok], family=sm.families.Poisson()).fit(scale="X2")
    else:
        raise ParameterError(f"family {family!r}: use 'negbin' or 'poisson'")
    ci = res.conf_int()
    level = (float(np.expm1(res.params["post"])), tuple(np.expm1(ci.loc["post"]).tolist()))
    slope = (float(np.expm1(12 * res.params["t_post"])), tuple(np.expm1(12 * ci.loc["t_post"]).tolist()))
    Xcf = X.copy()
    Xcf["post"] = 0.0
    Xcf["t_post"] = 0.0
    eta = Xcf.to_numpy() @ res.params.to_numpy()
    cov = res.cov_params().to_numpy()
    se = np.sqrt(np.einsum("ij,jk,ik->i", Xcf.to_numpy(), cov, Xcf.to_numpy()))
    fitted = pd.DataFrame({
        "month": s["month"], "count": s["count"], "fitted": np.exp(X.to_numpy() @ res.params.to_numpy()),
        "counterfactual": np.exp(eta), "cf_low": np.exp(eta - 1.96 * se), "cf_high": np.exp(eta + 1.96 * se),
        "post": post.astype(bool), "excluded": ~ok,
    })
    return ITSResult(level[0], level[1], float(res.pvalues["post"]), slope[0], slope[1], float(res.pvalues["t_post"]),
                     fitted, family, excluded, notes)


@dataclass(frozen=True)
class DiDResult:
    effect: float  # proportional change exp(beta) - 1
    ci: tuple[float, float]
    p_value: float
    event_study: pd.DataFrame  # relative year, estimate, ci


def difference_in_differences(df: pd.DataFrame, treated: str, controls: Sequence[str], change_date: str) -> DiDResult:
    """Two-way fixed effects on log(count + 1) with force-clustered standard errors, and an
    event study by year relative to the change (the year before is the reference).

    With a handful of forces the clustered standard errors understate uncertainty; read
    the interval alongside the synthetic-control placebo distribution.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> m = pd.period_range("2010-01", periods=48, freq="M")
    >>> rows = [pd.DataFrame({"force": f, "month": m, "count": rng.poisson(200, 48) * np.where(
    ...     (f == "T") & (np.arange(48) >= 24), 1.3, 1.0)}) for f in ["T", "A", "B", "C", "D"]]
    >>> r = difference_in_differences(pd.concat(rows), "T", ["A", "B", "C", "D"], "2012-01")
    >>> 0.2 < r.effect < 0.4
    True
    """
    import statsmodels.formula.api as smf

    d = df[df["force"].isin([treated, *controls])].groupby(["force", "month"], as_index=False)["count"].sum()
    missing = sorted(set([treated, *controls]) - set(d["force"]))
    if missing:
        raise DataValidationError(f"no data for forces {missing}", column="force", fix="check the peer group")
    if (d["count"] < 0).any():
        raise DataValidationError("negative counts", column="count", fix="counts must be >= 0")
    t0 = pd.Period(change_date, "M")
    d["y"] = np.log1p(d["count"])
    d["treat_post"] = ((d["force"] == treated) & (d["month"] >= t0)).astype(float)
    d["m"] = d["month"].astype(str)
    res = smf.ols("y ~ treat_post + C(force) + C(m)", data=d).fit(cov_type="cluster",
                                                                    cov_kwds={"groups": pd.factorize(d["force"])[0]})
    b = res.params["treat_post"]
    lo, hi = res.conf_int().loc["treat_post"]
    d["rel_year"] = np.floor([(mm - t0).n / 12 for mm in d["month"]]).astype(int)
    years = sorted(y for y in d["rel_year"].unique() if y != -1)
    for y in years:
        d[f"ev_{y}".replace("-", "m")] = ((d["force"] == treated) & (d["rel_year"] == y)).astype(float)
    terms = " + ".join(f"ev_{y}".replace("-", "m") for y in years)
    ev = smf.ols(f"y ~ {terms} + C(force) + C(m)", data=d).fit(cov_type="cluster",
                                                                cov_kwds={"groups": pd.factorize(d["force"])[0]})
    rows = [{"relative_year": y, "estimate": float(np.expm1(ev.params[f"ev_{y}".replace("-", "m")])),
             "ci_low": float(np.expm1(ev.conf_int().loc[f"ev_{y}".replace("-", "m"), 0])),
             "ci_high": float(np.expm1(ev.conf_int().loc[f"ev_{y}".replace("-", "m"), 1]))} for y in years]
    return DiDResult(float(np.expm1(b)), (float(np.expm1(lo)), float(np.expm1(hi))), float(res.pvalues["treat_post"]),
                     pd.DataFrame(rows))


@dataclass(frozen=True)
class SyntheticControlResult:
    weights: pd.Series
    path: pd.DataFrame  # month, treated, synthetic
    pre_rmspe: float
    post_rmspe: float
    ratio: float
    effect: float  # mean post (treated / synthetic) - 1
    placebos: pd.DataFrame  # unit, ratio, effect
    p_value: float
    time_placebos: pd.DataFrame = field(default_factory=pd.DataFrame)


def _fit_weights(Y0: np.ndarray, y1: np.ndarray) -> np.ndarray:
    from scipy.optimize import minimize

    k = Y0.shape[1]
    res = minimize(lambda w: np.sum((y1 - Y0 @ w) ** 2), np.full(k, 1 / k), method="SLSQP",
                   bounds=[(0, 1)] * k, constraints=[{"type": "eq", "fun": lambda w: w.sum() - 1}],
                   options={"maxiter": 500, "ftol": 1e-12})
    w = np.clip(res.x, 0, None)
    return w / w.sum()


def _sc_once(wide: pd.DataFrame, treated: str, donors: Sequence[str], t0: pd.Period) -> tuple:
    # work on each force's series scaled by its pre-period mean, so donors of any size can combine
    pre = wide.index < t0
    scaled = wide / wide[pre].mean()
    w = _fit_weights(scaled.loc[pre, list(donors)].to_numpy(), scaled.loc[pre, treated].to_numpy())
    synth = scaled[list(donors)].to_numpy() @ w
    gap = scaled[treated].to_numpy() - synth
    pre_r = float(np.sqrt(np.mean(gap[pre] ** 2)))
    post_r = float(np.sqrt(np.mean(gap[~pre] ** 2)))
    effect = float(np.mean(scaled[treated].to_numpy()[~pre] / synth[~pre]) - 1)
    return w, synth * wide[pre].mean()[treated], pre_r, post_r, effect


def synthetic_control(df: pd.DataFrame, treated: str, donors: Sequence[str], change_date: str,
                      *, time_placebos: Sequence[str] = ()) -> SyntheticControlResult:
    """Synthetic control with placebo tests in space (and, optionally, in time).

    The permutation p-value is the rank of the treated unit's post/pre RMSPE ratio among
    all units (treated + donors): with k donors the smallest possible value is 1/(k+1).
    """
    t0 = pd.Period(change_date, "M")
    wide = df[df["force"].isin([treated, *donors])].pivot_table(index="month", columns="force", values="count",
                                                                 aggfunc="sum")
    missing = sorted(set([treated, *donors]) - set(wide.columns))
    if missing:
        raise DataValidationError(f"no data for forces {missing}", column="force", fix="check the peer group")
    if wide.isna().any().any():
        raise DataValidationError("the panel has gaps", column="count", fix="complete the panel or drop gap months")
    if (wide.index < t0).sum() < 12 or (wide.index >= t0).sum() < 1:
        raise DataValidationError("need at least 12 pre-period months and one post month", column="month",
                                  fix="move the change date or extend the data")
    w, synth, pre_r, post_r, effect = _sc_once(wide, treated, donors, t0)
    rows = [{"unit": treated, "ratio": post_r / pre_r, "effect": effect, "treated": True}]
    for d in donors:
        others = [x for x in donors if x != d] + [treated]
        others = [x for x in others if x != treated]  # placebo pools exclude the treated unit
        _, _, pr, po, ef = _sc_once(wide, d, others, t0)
        rows.append({"unit": d, "ratio": po / pr, "effect": ef, "treated": False})
    plac = pd.DataFrame(rows)
    p = float((plac["ratio"] >= plac.loc[plac["treated"], "ratio"].item()).mean())
    tp = []
    for fake in time_placebos:
        f0 = pd.Period(fake, "M")
        pre_only = wide[wide.index < t0]
        if (pre_only.index < f0).sum() >= 12:
            _, _, pr, po, ef = _sc_once(pre_only, treated, donors, f0)
            tp.append({"fake_change": str(f0), "ratio": po / pr, "effect": ef})
    path = pd.DataFrame({"month": wide.index, "treated": wide[treated].to_numpy(), "synthetic": synth})
    return SyntheticControlResult(pd.Series(w, index=list(donors)), path, pre_r, post_r, post_r / pre_r, effect,
                                  plac, p, pd.DataFrame(tp))


def verdict(its: ITSResult | None = None, sc: SyntheticControlResult | None = None, did: DiDResult | None = None,
            *, alpha: float = 0.05) -> str:
    """Plain-language verdict combining the available estimates.

    Examples
    --------
    >>> verdict()
    'No estimate was supplied.'
    """
    parts = []
    if its is not None:
        sig = not (its.level_ci[0] <= 0 <= its.level_ci[1])
        parts.append(f"Interrupted time series: level change {its.level_change:+.1%} (95% CI {its.level_ci[0]:+.1%} to "
                     f"{its.level_ci[1]:+.1%}), {'distinguishable' if sig else 'not distinguishable'} from no change; "
                     f"trend change {its.slope_change_annual:+.1%} a year (95% CI {its.slope_ci[0]:+.1%} to {its.slope_ci[1]:+.1%}).")
    if did is not None:
        sig = did.p_value < alpha
        parts.append(f"Difference-in-differences against the peers: {did.effect:+.1%} (95% CI {did.ci[0]:+.1%} to "
                     f"{did.ci[1]:+.1%}), {'significant' if sig else 'not significant'} at {alpha:.0%}.")
    if sc is not None:
        n = len(sc.placebos)
        parts.append(f"Synthetic control: {sc.effect:+.1%} against a weighted peer combination; its post/pre error ratio "
                     f"ranks with a permutation p-value of {sc.p_value:.2f} among {n} units (the smallest possible is "
                     f"{1 / n:.2f}, so with this few peers no result can be strongly conclusive).")
    if not parts:
        return "No estimate was supplied."
    agree = []
    if its is not None and did is not None:
        agree.append(np.sign(its.level_change) == np.sign(did.effect))
    confident = (its is None or not (its.level_ci[0] <= 0 <= its.level_ci[1])) and (did is None or did.p_value < alpha) \
        and (sc is None or sc.p_value <= 0.2) and all(agree)
    parts.append("Overall: the methods agree on a change that is unlikely to be chance." if confident else
                 "Overall: the evidence does not establish an effect with confidence; treat any change as unproven.")
    return " ".join(parts)


def plot_counterfactual(its: ITSResult, *, title: str, change_date: str, synthetic: bool = False):
    """Observed series, fitted model and the no-change counterfactual with its 95% band."""
    import matplotlib.pyplot as plt

    from alliance_analysis.plots import apply_house_style, figure_title

    apply_house_style()
    f = its.fitted
    x = f["month"].dt.to_timestamp()
    fig, ax = plt.subplots()
    ax.plot(x, f["count"], color="#424242", lw=1, label="observed")
    ax.plot(x, f["fitted"], color="#0d47a1", label="model")
    post = f["post"]
    ax.plot(x[post], f.loc[post, "counterfactual"], color="#c62828", ls="--", label="counterfactual (no change)")
    ax.fill_between(x[post], f.loc[post, "cf_low"], f.loc[post, "cf_high"], color="#c62828", alpha=0.15)
    ax.axvline(pd.Period(change_date, "M").to_timestamp(), color="black", lw=0.8)
    ax.set_ylabel("count per month")
    ax.legend(fontsize=8)
    figure_title(ax, title, synthetic=synthetic)
    fig.tight_layout()
    return fig


def plot_synthetic_control(sc: SyntheticControlResult, *, title: str, change_date: str, synthetic: bool = False):
    """Treated force against its synthetic control."""
    import matplotlib.pyplot as plt

    from alliance_analysis.plots import apply_house_style, figure_title

    apply_house_style()
    x = sc.path["month"].dt.to_timestamp()
    fig, ax = plt.subplots()
    ax.plot(x, sc.path["treated"], label="treated force")
    ax.plot(x, sc.path["synthetic"], ls="--", label="synthetic control (weighted peers)")
    ax.axvline(pd.Period(change_date, "M").to_timestamp(), color="black", lw=0.8)
    ax.legend(fontsize=8)
    figure_title(ax, title, synthetic=synthetic)
    fig.tight_layout()
    return fig


def plot_fan(result, series: dict, *, title: str, synthetic: bool = False):
    """History and the selected model's forecast with 80% and 95% bands for one series."""
    import matplotlib.pyplot as plt

    from alliance_analysis.plots import apply_house_style, figure_title

    apply_house_style()
    h = result.history
    f = result.forecasts[result.forecasts["is_selected"]]
    for k, v in series.items():
        h = h[h[k] == v]
        f = f[f[k] == v]
    hh = h.groupby("month")["count"].sum()
    fig, ax = plt.subplots()
    ax.plot(hh.index.to_timestamp(), hh.to_numpy(), color="#424242", label="history")
    x = f["month"].dt.to_timestamp()
    ax.fill_between(x, f["lo_95"], f["hi_95"], alpha=0.15, color="#0d47a1", label="95%")
    ax.fill_between(x, f["lo_80"], f["hi_80"], alpha=0.3, color="#0d47a1", label="80%")
    ax.plot(x, f["mean"], color="#0d47a1", label=f"forecast ({f['model'].iloc[0]})")
    ax.legend(fontsize=8)
    figure_title(ax, title, synthetic=synthetic)
    fig.tight_layout()
    return fig
