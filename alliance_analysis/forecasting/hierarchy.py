"""Hierarchies and forecast reconciliation: summing matrices, MinT shrinkage, coherent forecasts.

(Named ``hierarchy`` rather than ``reconcile`` so the module never shadows the function
:func:`reconcile` in the package namespace.)

``build_hierarchy`` / ``hierarchy_from_mapping`` describe the tree, ``aggregate_hierarchy`` sums
the bottom series to every node, ``shrinkage_covariance`` and ``reconcile_matrix`` implement
bottom-up, OLS, WLS and MinT (shrinkage) reconciliation, and ``reconcile`` /
``reconcile_forecasts`` apply them to forecast frames and :class:`ForecastResult` objects.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from alliance_analysis.errors import DataValidationError, ParameterError
from alliance_analysis.forecasting.core import ForecastResult, forecast_many

@dataclass(frozen=True, eq=False)
class Hierarchy:
    """A tree of series: ``nodes`` top-down with the bottom series last, and summing matrix ``S``.

    ``S[i, j]`` is 1 when bottom series ``j`` is part of node ``i``. ``children`` maps every
    aggregate node to its direct children. Built from data, ``levels`` names the columns and
    ``bottom`` holds the level values of each bottom node (column ``node`` is its label).
    """

    nodes: tuple[str, ...]
    S: np.ndarray
    children: Mapping[str, tuple[str, ...]]
    levels: tuple[str, ...] = ()
    bottom: pd.DataFrame | None = None

    @property
    def bottom_nodes(self) -> tuple[str, ...]:
        """Labels of the bottom series (the last ``S.shape[1]`` nodes)."""
        return self.nodes[len(self.nodes) - self.S.shape[1]:]


def hierarchy_from_mapping(mapping: Mapping[str, Sequence[str]]) -> Hierarchy:
    """Hierarchy from ``{parent: [children]}``; nodes never used as parents are the bottom series.

    Raises
    ------
    ParameterError
        A node with two parents, a cycle, or an empty child list.

    Examples
    --------
    >>> h = hierarchy_from_mapping({"All": ["A", "B"], "A": ["A1", "A2"]})
    >>> h.nodes, h.S.astype(int).tolist()
    (('All', 'A', 'A1', 'A2', 'B'), [[1, 1, 1], [1, 1, 0], [1, 0, 0], [0, 1, 0], [0, 0, 1]])
    """
    children = {str(p): tuple(str(c) for c in cs) for p, cs in mapping.items()}
    parent_of: dict[str, str] = {}
    for p, cs in children.items():
        if not cs:
            raise ParameterError(f"hierarchy node {p!r} has no children; drop it or list its members")
        for c in cs:
            if c in parent_of:
                raise ParameterError(f"hierarchy node {c!r} has two parents ({parent_of[c]!r} and {p!r}); "
                                     "give a tree (each series in one parent)")
            parent_of[c] = p
    roots = [p for p in children if p not in parent_of]
    if not roots:
        raise ParameterError("the hierarchy has a cycle (every parent is also a child)")
    seen: list[str] = []

    def walk(node: str, path: tuple[str, ...]) -> None:
        if node in path:
            raise ParameterError(f"the hierarchy has a cycle through {node!r}")
        seen.append(node)
        for c in children.get(node, ()):
            walk(c, (*path, node))

    for r in roots:
        walk(r, ())
    if len(seen) != len(set(seen)) or set(seen) != set(children) | set(parent_of):
        raise ParameterError("the hierarchy is not a tree reachable from its top nodes")
    depth = {r: 0 for r in roots}
    for node in seen:
        for c in children.get(node, ()):
            depth[c] = depth[node] + 1
    aggregates = sorted((s for s in seen if s in children), key=lambda s: depth[s])  # level by level
    bottom = [s for s in seen if s not in children]
    col = {b: j for j, b in enumerate(bottom)}

    def leaves(node: str) -> list[str]:
        return [node] if node not in children else [x for c in children[node] for x in leaves(c)]

    nodes = (*aggregates, *bottom)
    S = np.zeros((len(nodes), len(bottom)))
    for i, node in enumerate(nodes):
        S[i, [col[b] for b in leaves(node)]] = 1.0
    return Hierarchy(nodes=nodes, S=S, children=children)


def build_hierarchy(df: pd.DataFrame, levels: Sequence[str] = ("alliance", "force", "crime_type"), *,
                    groups: Mapping[str, Sequence[str]] | None = None) -> Hierarchy:
    """Hierarchy of the series in a tidy frame, from the top level to the bottom level.

    Node labels join the level values with ``|``, aggregated levels written ``Total``
    (``"Alliance|West Mercia|Total"`` is a force total). A grand total ``Total|...|Total``
    is added when the top level has more than one value. When the top level is not a
    column, ``groups`` maps each of its values to values of the next level (e.g.
    alliance -> forces).

    Raises
    ------
    DataValidationError
        A level column missing (and no ``groups``) or a value of the next level in no group.

    Examples
    --------
    >>> d = pd.DataFrame({"force": ["A", "A", "B"], "crime_type": ["x", "y", "x"]})
    >>> h = build_hierarchy(d, groups={"AB": ["A", "B"]})
    >>> h.nodes
    ('AB|Total|Total', 'AB|A|Total', 'AB|B|Total', 'AB|A|x', 'AB|A|y', 'AB|B|x')
    """
    levels = list(levels)
    if not levels:
        raise ParameterError("levels must name at least one column")
    frame = df.copy()
    if levels[0] not in frame.columns and groups is not None:
        if len(levels) < 2 or levels[1] not in frame.columns:
            raise DataValidationError(f"groups map {levels[0]!r} to {levels[1:2]}, which is not a column",
                                      column=levels[1] if len(levels) > 1 else levels[0],
                                      fix="give the level below the grouped level as a column")
        member = {str(v): g for g, vs in groups.items() for v in vs}
        frame[levels[0]] = frame[levels[1]].astype(str).map(member)
        orphans = sorted(frame.loc[frame[levels[0]].isna(), levels[1]].astype(str).unique())
        if orphans:
            raise DataValidationError(f"{levels[1]} values {orphans} are in no {levels[0]} group", column=levels[1],
                                      fix="add them to groups or filter them out")
    missing = [c for c in levels if c not in frame.columns]
    if missing:
        raise DataValidationError(f"hierarchy levels {missing} are not columns", column=missing[0],
                                  fix="add the columns or pass groups for the top level")
    bottom = frame[levels].astype(str).drop_duplicates().sort_values(levels).reset_index(drop=True)
    k = len(levels)
    label = lambda vals: "|".join([*vals, *["Total"] * (k - len(vals))])  # noqa: E731
    mapping: dict[str, list[str]] = {}
    if bottom[levels[0]].nunique() > 1:
        mapping[label([])] = [label([v]) for v in bottom[levels[0]].unique()] if k > 1 else \
            [label([v]) for v in bottom[levels[0]]]
    for depth in range(1, k):
        for vals, sub in bottom.groupby(levels[:depth], sort=False):
            vals = [str(v) for v in (vals if isinstance(vals, tuple) else (vals,))]
            mapping[label(vals)] = list(dict.fromkeys(label([*vals, *map(str, r)])
                                                      for r in sub[levels[:depth + 1]].to_numpy()[:, depth:]))
    if not mapping:
        raise ParameterError("a hierarchy needs at least two bottom series or two levels")
    h = hierarchy_from_mapping(mapping)
    bottom["node"] = ["|".join(r) for r in bottom[levels].to_numpy()]
    bottom = bottom.set_index("node").loc[list(h.bottom_nodes)].reset_index()
    return Hierarchy(nodes=h.nodes, S=h.S, children=h.children, levels=tuple(levels), bottom=bottom)


def aggregate_hierarchy(df: pd.DataFrame, hierarchy: Hierarchy, *, groups: Mapping[str, Sequence[str]] | None = None,
                        value: str = "count") -> pd.DataFrame:
    """Tidy ``node, month, value`` series for every node of a hierarchy built by :func:`build_hierarchy`.

    Examples
    --------
    >>> d = pd.DataFrame({"force": ["A", "A", "B"], "crime_type": ["x", "y", "x"],
    ...                   "month": pd.PeriodIndex(["2020-01"] * 3, freq="M"), "count": [1, 2, 4]})
    >>> h = build_hierarchy(d, ("force", "crime_type"))
    >>> aggregate_hierarchy(d, h).set_index("node")["count"].to_dict()["Total|Total"]
    7
    """
    if hierarchy.bottom is None:
        raise ParameterError("the hierarchy has no level columns; build it with build_hierarchy")
    levels = list(hierarchy.levels)
    frame = df.copy()
    frame.attrs = {}  # attrs may hold frames (load_crime_series): pandas >= 3.1 compares them on merge/concat
    if levels[0] not in frame.columns:
        if groups is None:
            raise ParameterError(f"column {levels[0]!r} is missing; pass the groups used to build the hierarchy")
        member = {str(v): g for g, vs in groups.items() for v in vs}
        frame[levels[0]] = frame[levels[1]].astype(str).map(member)
    for c in levels:
        frame[c] = frame[c].astype(str)
    merged = frame.merge(hierarchy.bottom, on=levels, how="inner")
    wide = merged.pivot_table(index="node", columns="month", values=value, aggfunc="sum", observed=True)
    wide = wide.reindex(list(hierarchy.bottom_nodes)).fillna(0)
    total = hierarchy.S @ wide.to_numpy()
    out = pd.DataFrame({"node": np.repeat(hierarchy.nodes, wide.shape[1]),
                        "month": wide.columns[np.tile(np.arange(wide.shape[1]), len(hierarchy.nodes))],
                        value: total.ravel()})
    if pd.api.types.is_integer_dtype(df[value].dtype):
        out[value] = np.rint(out[value]).astype("int64")
    return out


def shrinkage_covariance(residuals: np.ndarray) -> tuple[np.ndarray, float]:
    """Schafer-Strimmer shrinkage of the residual covariance towards its diagonal.

    As in MinT-shrink (Wickramasuriya, Athanasopoulos & Hyndman 2019; ``hts::shrink.estim``):
    ``W = lambda diag(C) + (1 - lambda) C`` with ``C = E'E / T`` (errors not centred) and
    ``lambda = sum_{i!=j} Var(r_ij) / sum_{i!=j} r_ij^2`` clipped to [0, 1] (1 when the
    correlations are all zero).

    Examples
    --------
    >>> e = np.array([[2.0, 1], [-2, -1], [1, 1], [-1, -1]])
    >>> W, lam = shrinkage_covariance(e)
    >>> round(lam * 27, 9), round(float(W[0, 1]), 6)   # lambda 1/27, 1.5 * 26/27
    (1.0, 1.444444)
    """
    x = np.asarray(residuals, dtype=float)
    if x.ndim != 2 or x.shape[0] < 2:
        raise ParameterError(f"residuals must be a 2-d array with at least 2 rows (got shape {x.shape})")
    if not np.isfinite(x).all():
        raise ParameterError("residuals contain NaN or inf; drop incomplete rows first")
    T = x.shape[0]
    cov = x.T @ x / T
    sd = np.sqrt(np.diag(cov))
    sd_safe = np.where(sd > 0, sd, 1.0)
    xs = x / sd_safe
    corr = cov / np.outer(sd_safe, sd_safe)
    v = (xs**2).T @ (xs**2) - (xs.T @ xs) ** 2 / T
    v = v / (T * (T - 1))
    off = ~np.eye(len(cov), dtype=bool)
    d = (corr[off] ** 2).sum()
    lam = 1.0 if d == 0 else float(np.clip(v[off].sum() / d, 0.0, 1.0))
    return lam * np.diag(np.diag(cov)) + (1 - lam) * cov, lam


def reconcile_matrix(base: np.ndarray, S: np.ndarray, *, method: str = "mint_shrink",
                     residuals: np.ndarray | None = None, nonnegative: bool = True) -> np.ndarray:
    """Coherent forecasts from base forecasts of every node (rows of ``S``), as an array.

    ``bottom_up`` aggregates the bottom rows; ``ols`` projects with ``W = I``; ``mint_shrink``
    uses ``W`` = :func:`shrinkage_covariance` of ``residuals`` (observations x nodes):
    ``S (S' W^-1 S)^-1 S' W^-1 base``. With ``nonnegative`` (default) negative reconciled
    bottom forecasts are set to 0 before aggregating, so the result stays coherent.

    Examples
    --------
    >>> S = np.array([[1, 1], [1, 0], [0, 1]], dtype=float)
    >>> reconcile_matrix(np.array([[10.0], [4.0], [5.0]]), S, method="bottom_up").ravel().tolist()
    [9.0, 4.0, 5.0]
    >>> np.round(reconcile_matrix(np.array([[10.0], [4.0], [5.0]]), S, method="ols").ravel() * 3, 9).tolist()
    [29.0, 13.0, 16.0]
    """
    base = np.asarray(base, dtype=float)
    S = np.asarray(S, dtype=float)
    n_all, n_b = S.shape
    if base.ndim != 2 or base.shape[0] != n_all:
        raise ParameterError(f"base forecasts have shape {base.shape}; need ({n_all}, horizon) for the hierarchy")
    if method == "bottom_up":
        bottom = base[n_all - n_b:]
    elif method in ("ols", "mint_shrink"):
        if method == "ols":
            W = np.eye(n_all)
        else:
            if residuals is None or np.ndim(residuals) != 2 or np.shape(residuals)[1] != n_all:
                raise ParameterError(f"mint_shrink needs residuals with one column per node ({n_all}); "
                                     f"got {None if residuals is None else np.shape(residuals)}")
            W, _ = shrinkage_covariance(residuals)
        W_inv = np.linalg.pinv(W)
        bottom = np.linalg.solve(S.T @ W_inv @ S, S.T @ W_inv @ base)
    else:
        raise ParameterError(f"method {method!r}: use 'bottom_up', 'ols' or 'mint_shrink'")
    if nonnegative:
        bottom = np.clip(bottom, 0, None)
    return S @ bottom


def reconcile(forecasts: pd.DataFrame, hierarchy: Hierarchy | Mapping[str, Sequence[str]], method: str = "bottom_up",
              residuals: pd.DataFrame | np.ndarray | None = None, *, value: str = "mean",
              nonnegative: bool = True) -> pd.DataFrame:
    """Coherent forecasts: crime types add up to forces, forces to the alliance.

    Parameters
    ----------
    forecasts : DataFrame
        Base forecasts: ``node``, ``month`` and ``value`` (every node for ``mint_shrink``
        and ``ols``; the bottom nodes suffice for ``bottom_up``).
    hierarchy : Hierarchy or mapping
        From :func:`build_hierarchy`, or ``{parent: [children]}``.
    method : {"bottom_up", "ols", "mint_shrink"}
    residuals : DataFrame or array, optional
        For ``mint_shrink``: forecast errors, one column per node (wide DataFrame with node
        columns, or an array with columns in ``hierarchy.nodes`` order), one row per
        observation (in-sample or backtest errors).

    Returns
    -------
    DataFrame
        ``node, month, base, coherent``, nodes in hierarchy order. Only point forecasts
        are reconciled; intervals are not.

    Examples
    --------
    >>> f = pd.DataFrame({"node": ["All", "A", "B"], "month": pd.Period("2020-01", "M"),
    ...                   "mean": [10.0, 4.0, 5.0]})
    >>> reconcile(f, {"All": ["A", "B"]})["coherent"].tolist()
    [9.0, 4.0, 5.0]
    """
    h = hierarchy if isinstance(hierarchy, Hierarchy) else hierarchy_from_mapping(hierarchy)
    missing_cols = [c for c in ("node", "month", value) if c not in forecasts.columns]
    if missing_cols:
        raise DataValidationError(f"forecasts lack columns {missing_cols}", column=missing_cols[0],
                                  fix=f"give a tidy frame with node, month and {value}")
    needed = list(h.bottom_nodes) if method == "bottom_up" else list(h.nodes)
    wide = forecasts.pivot_table(index="node", columns="month", values=value, aggfunc="first", observed=True)
    absent = [nd for nd in needed if nd not in wide.index]
    if absent:
        raise DataValidationError(f"no base forecasts for nodes {absent[:10]}", column="node",
                                  fix=f"{method} needs forecasts of {'the bottom' if method == 'bottom_up' else 'every'}"
                                      " node of the hierarchy")
    wide = wide.reindex(list(h.nodes))
    if wide.loc[needed].isna().any().any():
        raise DataValidationError("base forecasts have missing months for some nodes", column=value,
                                  fix="give every node the same forecast months")
    base = wide.to_numpy()
    res = residuals
    if isinstance(residuals, pd.DataFrame):
        absent = [nd for nd in h.nodes if nd not in residuals.columns]
        if absent:
            raise DataValidationError(f"residuals have no column for nodes {absent[:10]}", column="node",
                                      fix="give one residual column per node")
        res = residuals[list(h.nodes)].dropna().to_numpy(dtype=float)
    coherent = reconcile_matrix(np.nan_to_num(base) if method == "bottom_up" else base, h.S, method=method,
                                residuals=res, nonnegative=nonnegative)
    k = base.shape[1]
    return pd.DataFrame({"node": np.repeat(h.nodes, k), "month": wide.columns[np.tile(np.arange(k), len(h.nodes))],
                         "base": base.ravel(), "coherent": coherent.ravel()})


def reconcile_forecasts(result: ForecastResult, levels: Sequence[str] = ("force", "crime_type"), *,
                        groups: Mapping[str, Sequence[str]] | None = None, method: str = "mint_shrink") -> pd.DataFrame:
    """Coherent forecasts for the hierarchy above the series of a :func:`forecast_many` result.

    Every node's history is aggregated from ``result.history`` and forecast with the same
    settings (model selected per node as in :func:`forecast_many`). ``levels`` are key columns
    from top to bottom; with ``groups`` (e.g. ``{"Warwickshire and West Mercia": [...forces]}``)
    an ``alliance`` level is added on top.

    What is reconciled: the point forecast column ``mean`` of each node's selected model,
    which for the log-scale models (``ets``, ``sarima``, ``combo``) is the back-transformed
    *median* ``expm1(mu)``, and for ``snaive``, ``drift`` and the intermittent methods the
    mean. Medians do not add up exactly, so coherent totals are sums of medians (slightly
    below the mean of the total for skewed counts). Intervals are not reconciled.

    Errors used by MinT (``mint_shrink``): the out-of-sample backtest errors
    ``actual - mean`` of each node's selected model at every backtest origin (selection and
    hold-out) and every horizon step 1..h, pooled as observations (rows = origin x period);
    multi-step errors are therefore mixed with one-step ones, and the shrinkage covariance
    (:func:`shrinkage_covariance`) is estimated from them, not from in-sample residuals.

    Returns
    -------
    DataFrame
        ``node, month, base, coherent`` (labels as in :func:`build_hierarchy`) and the
        ``lo_*`` / ``hi_*`` bounds of each node's own (base) forecast, calibrated on its
        backtest errors (not reconciled);
        ``attrs["S"]`` (the summing matrix as nested tuples, so pandas can compare attrs when
        it concatenates derived frames; ``np.array(attrs["S"])`` gives the array),
        ``attrs["labels"]`` (tuples) and ``attrs["hierarchy"]``.

    Examples
    --------
    >>> months = pd.period_range("2015-01", periods=40, freq="M")
    >>> d = pd.DataFrame({"force": np.repeat(["A", "B"], 40), "crime_type": "Drugs",
    ...                   "month": np.tile(months, 2), "count": np.arange(80) % 12 + 20})
    >>> out = reconcile_forecasts(forecast_many(d, horizon=3, n_origins=1), method="bottom_up")
    >>> w = out.pivot(index="node", columns="month", values="coherent")
    >>> bool(np.allclose(w.loc["Total|Total"], w.loc["A|Drugs"] + w.loc["B|Drugs"]))
    True
    """
    lv = list(levels)
    if groups:
        lv = ["alliance", *lv]
    s = result.settings
    tname = s.get("time", "month")
    history = result.history.copy(deep=False)
    history.attrs = {}  # frames in attrs (load_crime_series) make pandas >= 3.1 raise on concat/merge
    if isinstance(history.columns, pd.PeriodIndex):
        raise ParameterError("reconcile_forecasts needs a tidy history (the result of a tidy forecast_many input)")
    if tname != "month":
        history = history.rename(columns={tname: "month"})
    h = build_hierarchy(history, lv, groups=groups)
    nodes = aggregate_hierarchy(history, h, groups=groups)
    node_fc = forecast_many(nodes, keys=("node",), horizon=s["horizon"], n_origins=s["n_origins"], step=s["step"],
                            models=s["models"], levels=s["levels"], season_length=s["season_length"],
                            select_by=s["select_by"], holdout=s.get("holdout"),
                            intervals=s.get("intervals", "calibrated"), time="month", keep="all",
                            select=s.get("select", "combination"))
    sel = node_fc.forecasts[node_fc.forecasts["is_selected"]]
    bt = node_fc.backtest.merge(node_fc.selected[["node", "model"]], on=["node", "model"])
    residuals = bt.assign(err=bt["actual"] - bt["mean"]).pivot_table(index=["origin", "month"], columns="node",
                                                                     values="err", observed=True)
    out = reconcile(sel, h, method=method, residuals=residuals if method == "mint_shrink" else None)
    bounds = [c for c in sel.columns if c.startswith(("lo_", "hi_"))]
    out = out.merge(sel[["node", "month", *bounds]], on=["node", "month"], how="left")
    if tname != "month":
        out = out.rename(columns={"month": tname})
    out.attrs["S"] = tuple(map(tuple, h.S.astype(int).tolist()))  # hashable: pandas compares attrs on concat
    out.attrs["labels"] = [tuple(nd.split("|")) for nd in h.nodes]
    out.attrs["hierarchy"] = h
    return out
