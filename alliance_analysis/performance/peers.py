"""Similar forces to compare with: a published most similar group, else a stated rule.

The package ships one published most similar group (West Mercia's, from the performance
bulletin in the October 2014 panel papers: ``data/raw/reference/force_groups.csv``). For any
other force the comparison group follows a stated rule: the :data:`N_SIMILAR` territorial
forces nearest to it on three standardised characteristics of the latest year all forces
share: resident population (log), recorded crime per 1,000 residents, and the Crime
Severity Score. For a group of forces, its similar forces are the union of its members'
similar forces, the members themselves left out.

Examples
--------
>>> g = similar_forces("West Mercia")
>>> g.source.startswith("published"), "Warwickshire" in g.forces, "West Mercia" in g.forces
(True, True, False)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from alliance_analysis import clean

N_SIMILAR = 7
RULE = (f"the {N_SIMILAR} forces nearest on resident population (log scale), recorded crime per 1,000 residents "
        "and the Crime Severity Score in the latest year all forces share, each standardised")


@dataclass(frozen=True)
class SimilarForces:
    """A force's comparison group: ``forces`` (excluding the force), ``source`` (published or the rule)."""

    force: str
    forces: tuple[str, ...]
    source: str


def _published() -> dict[str, list[str]]:
    fg = clean.force_groups()
    msg = fg[fg["group_type"] == "most_similar_group"]
    out = {}
    for name, g in msg.groupby("group"):
        owner = str(name).replace(" most similar group", "")
        out[owner] = [f for f in g["force"] if f != owner]
    return out


def similar_forces(force: str, panel: pd.DataFrame | None = None) -> SimilarForces:
    """The comparison group of one force (see the module docstring for the rule).

    Parameters
    ----------
    force : str
        A territorial force.
    panel : DataFrame, optional
        The annual panel (:func:`measures.annual_panel`); read when needed.
    """
    force = clean.canonical_force_name(force)
    pub = _published()
    if force in pub:
        return SimilarForces(force, tuple(pub[force]), "published most similar group (West Mercia performance "
                                                       "bulletin, October 2014 panel papers)")
    if panel is None:
        from alliance_analysis.performance.measures import annual_panel

        panel = annual_panel()
    feats = {}
    for key in ("crime_per_1000", "harm_per_1000"):
        s = panel[(panel["measure"] == key) & panel["force"].isin(clean.CANONICAL_FORCES)]
        counts = s.groupby("period")["force"].nunique()
        per = counts[counts == counts.max()].index.max()
        s = s[s["period"] == per].set_index("force")
        feats[key] = s["value"]
        if key == "crime_per_1000":
            feats["log_population"] = np.log(s["denominator"])
    X = pd.DataFrame(feats).dropna()
    if force not in X.index:
        return SimilarForces(force, (), "no comparison group: the force lacks population, crime or harm data")
    Z = (X - X.mean()) / X.std(ddof=0)
    d = np.sqrt(((Z - Z.loc[force]) ** 2).sum(axis=1)).drop(force).sort_values()
    return SimilarForces(force, tuple(d.index[:N_SIMILAR]), f"stated rule: {RULE}")


def similar_to_group(forces: Sequence[str], panel: pd.DataFrame | None = None) -> SimilarForces:
    """The union of the members' similar forces, members left out (one force: its own group)."""
    forces = [clean.canonical_force_name(f) for f in forces]
    if len(forces) == 1:
        return similar_forces(forces[0], panel)
    parts = [similar_forces(f, panel) for f in forces]
    union = [f for p in parts for f in p.forces if f not in forces]
    sources = sorted({p.source.split(":")[0] for p in parts})
    return SimilarForces(" and ".join(forces), tuple(dict.fromkeys(union)),
                         "the members' comparison groups combined (" + "; ".join(sources) + ")")
