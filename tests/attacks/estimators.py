"""The attacker's arithmetic, apart from any HTTP: polling estimators, subtractions, least squares.

Pure functions over snapshots (tests.attacks.harness.Snapshot) and the unit and department trees
(tests.attacks.oracle.Structure); the tests hand in the truth only to score the estimates.
"""

import math
import statistics
from collections import defaultdict

import numpy as np

from tests.attacks.oracle import bucket_level, week_buckets, weeks_of_bucket

EXACT = 0.25  # hours: an estimate this close to the truth counts as recovered
NOISE_SCALE, NOISE_FLOOR = 0.5, 8.0  # DESIGN rule 2 defaults, for the attacker's weights

BUCKET_RANK = {"week": 0, "month": 1, "quarter": 2, "year": 3}


def unit_rank(structure, family, unit) -> int:
    """Finer units first: township, department in a county, footprint in a county, county,
    department over all counties, footprint over all counties, city, province."""
    if family == "fixed":
        level = structure.level[unit]
        return {"township": 0, "county": 3, "city": 6, "province": 7}[level]
    every = unit.endswith("@*")
    return (4 if every else 1) + (family == "tree")


def fineness(structure, cell) -> tuple:
    family, unit, bucket = cell
    return (BUCKET_RANK[bucket_level(bucket)], unit_rank(structure, family, unit), unit)


def noise_bound(truth: dict) -> float:
    """DESIGN rule 2's bound on a cell's hours noise, from the cell's largest reporter."""
    return NOISE_SCALE * max(truth.get("max_reporter_hours", 0.0), NOISE_FLOOR)


# ---------------------------------------------------------------------------- (a) polling


def cell_changes(change: dict, cell) -> float:
    """The true change of a cell under one cadre-week change: the (family, unit) delta if the
    cell's bucket holds the changed week, else 0."""
    family, unit, bucket = cell
    if bucket not in change["buckets"]:
        return 0.0
    return change["deltas"].get((family, unit), 0.0)


def differences(before, after, change) -> dict:
    """{cell: mean after-minus-before over the views showing it both times} for the cells whose
    true change is the cadre's whole change (the fixed tree always; a department cell only if
    every issuer of the changed entries lies in it). The `.kinds` views (the per-kind hours
    summed) are left to the least-squares attack."""
    whole = change["delta"]
    per_cell = defaultdict(list)
    for (cell, view), value in after.figures.items():
        if ".kinds" in view or value is None:
            continue
        old = before.figures.get((cell, view))
        if old is None:
            continue
        if abs(cell_changes(change, cell) - whole) > 1e-9:
            continue
        per_cell[cell].append(value - old)
    return {cell: sum(values) / len(values) for cell, values in per_cell.items()}


def holding_cells(before, after, change) -> dict:
    """Counts of the cells holding any part of the change, by what the attacker sees of them."""
    views = defaultdict(set)
    for cell, view in {*before.figures, *after.figures}:
        views[cell].add(view)
    out = {"whole_shown": 0, "whole_hidden": 0, "part_only": 0}
    for cell, names in views.items():
        moved = cell_changes(change, cell)
        if abs(moved) < 1e-12:
            continue
        if abs(moved - change["delta"]) > 1e-9:
            out["part_only"] += 1
            continue
        shown = any(
            before.figures.get((cell, v)) is not None and after.figures.get((cell, v)) is not None
            for v in names
        )
        out["whole_shown" if shown else "whole_hidden"] += 1
    return out


def polling_estimates(structure, diffs: dict, truths: dict) -> dict:
    """The attacker's estimates of the cadre's change from the cells' differences.

    - finest: the difference of the finest cell shown before and after (week before month before
      quarter before year; township before department before county before city before province);
    - mean: the plain mean over every such cell;
    - weekly_mean: the mean over weekly cells only (the least noisy under rule 2);
    - median: the median over every such cell;
    - inverse_variance: weights 1 / (bound_before^2 + bound_after^2) with rule 2's bound
      0.5 x max(largest reporter's hours, 8) taken from the truth: a best case for the attacker.
    """
    if not diffs:
        return dict.fromkeys(["finest", "mean", "weekly_mean", "median", "inverse_variance"])
    cells = sorted(diffs, key=lambda c: fineness(structure, c))
    values = [diffs[c] for c in cells]
    weekly = [diffs[c] for c in cells if bucket_level(c[2]) == "week"]
    weights = [1.0 / (2 * noise_bound(truths.get(c, {})) ** 2) for c in cells]
    return {
        "finest": values[0],
        "mean": sum(values) / len(values),
        "weekly_mean": sum(weekly) / len(weekly) if weekly else None,
        "median": statistics.median(values),
        "inverse_variance": sum(w * v for w, v in zip(weights, values)) / sum(weights),
    }


def score(estimates: list, truths: list) -> dict:
    """Exact-recovery rate over all changes (no estimate = not recovered), RMSE over the changes
    that have an estimate, and their share (coverage)."""
    pairs = [(e, t) for e, t in zip(estimates, truths) if e is not None]
    exact = sum(1 for e, t in pairs if abs(e - t) <= EXACT)
    rmse = math.sqrt(sum((e - t) ** 2 for e, t in pairs) / len(pairs)) if pairs else None
    return {
        "n": len(truths),
        "estimated": len(pairs),
        "exact": exact,
        "exact_rate": exact / len(truths) if truths else 0.0,
        "rmse": rmse,
    }


# ---------------------------------------------------------------------------- cell algebra


class Cells:
    """Which cells are sums of which: the relations the answers allow, from the public trees."""

    def __init__(self, structure, weeks: list[str], buckets: list[str]):
        self.s = structure
        self.weeks = weeks  # every week the answers serve, in order
        self.buckets = buckets  # every bucket asked (weeks, months, quarters, years)

    def family_of(self, dept):
        return "tree" if self.s.has_divisions(dept) else "dept"

    def sub_buckets(self, bucket):
        """[(relation name, [sub-buckets])]: a year's quarters, months and weeks; a quarter's
        months and weeks; a month's weeks (only buckets the answers serve)."""
        level = bucket_level(bucket)
        weeks = weeks_of_bucket(bucket, self.weeks)
        months = sorted({week_buckets(w)[0] for w in weeks})
        quarters = sorted({week_buckets(w)[1] for w in weeks})
        out = []
        if level == "year":
            out.append(("year=quarters", quarters))
        if level in ("year", "quarter"):
            out.append((f"{level}=months", months))
        if level in ("year", "quarter", "month"):
            out.append((f"{level}=weeks", weeks))
        return [(name, parts) for name, parts in out if parts and parts != [bucket]]

    def relations(self, units) -> list[tuple[str, tuple, list]]:
        """(name, total cell, part cells) for every subtraction: totals beside their listed parts,
        buckets beside sub-buckets, departments with divisions beside their parts, the province
        beside its cities. `units` are the (family, unit) pairs to chain over buckets."""
        s = self.s
        tops = [d for d in s.departments if s.dept_parent.get(d) is None]
        out = []
        for bucket in self.buckets:
            for county in s.counties:
                total = ("fixed", county, bucket)
                out.append(("county=townships", total, [("fixed", t, bucket) for t in s.children(county)]))
                parts = [("dept", f"{d}@{county}", bucket) for d in s.departments]
                out.append(("county=departments", total, parts))
                # The same total over the departments at the top of their trees, each with its
                # divisions (the footprints the department answers show).
                parts = [(self.family_of(d), f"{d}@{county}", bucket) for d in tops]
                out.append(("county=top departments with divisions", total, parts))
            for region in [s.province, *s.cities]:
                counties = [c for c in s.counties if region in s.ancestors(c)]
                out.append(
                    ("region=counties", ("fixed", region, bucket), [("fixed", c, bucket) for c in counties])
                )
            out.append(
                ("province=cities", ("fixed", s.province, bucket), [("fixed", c, bucket) for c in s.cities])
            )
            for dept in s.departments:
                family = self.family_of(dept)
                for scope in [*s.counties, "*"]:
                    if family == "tree":
                        parts = [("dept", f"{dept}@{scope}", bucket)] + [
                            (self.family_of(x), f"{x}@{scope}", bucket) for x in s.divisions(dept)
                        ]
                        out.append(
                            ("footprint=department+divisions", (family, f"{dept}@{scope}", bucket), parts)
                        )
                parts = [(family, f"{dept}@{c}", bucket) for c in s.counties]
                out.append(("department total=counties", (family, f"{dept}@*", bucket), parts))
        for family, unit in sorted(units):
            for bucket in self.buckets:
                for name, subs in self.sub_buckets(bucket):
                    out.append((name, (family, unit, bucket), [(family, unit, b) for b in subs]))
        return out

    # ------------------------------------------------------------------ least-squares unknowns

    def coefficients(self, cell, index) -> dict:
        """{unknown column: 1} of a cell as a sum of the finest unknowns (township x week,
        department x county x week); unknowns absent from `index` are left out."""
        family, unit, bucket = cell
        weeks = weeks_of_bucket(bucket, self.weeks)
        s = self.s
        keys = []
        if family == "fixed":
            townships = [t for t in s.townships if unit in s.ancestors(t)]
            keys = [("t", t, w) for t in townships for w in weeks]
        else:
            dept, scope = unit.split("@")
            depts = s.with_divisions(dept) if family == "tree" else [dept]
            counties = s.counties if scope == "*" else [scope]
            keys = [("d", d, c, w) for d in depts for c in counties for w in weeks]
        return {index[k]: 1.0 for k in keys if k in index}


def subtraction_attack(cells: Cells, snapshot, units):
    """{hidden cell: {"single": [...], "group": [...]}}: for every relation whose total is shown,
    the total minus the shown parts, offered to each hidden part ("single" where it is the only
    part not shown, "group" where other parts are hidden too: the attacker then takes the others
    as empty). Also the relation names that produced each."""
    visible = {cell: sum(v) / len(v) for cell, v in snapshot.visible().items()}
    hidden = snapshot.hidden()
    candidates = defaultdict(lambda: {"single": [], "group": [], "how_single": set(), "how_group": set()})
    for name, total, parts in cells.relations(units):
        if total not in visible:
            continue
        unknown = [p for p in parts if p not in visible]
        if not unknown:
            continue
        residual = visible[total] - sum(visible[p] for p in parts if p in visible)
        for part in unknown:
            if part not in hidden:
                continue
            kind = "single" if len(unknown) == 1 else "group"
            candidates[part][kind].append(residual)
            candidates[part][f"how_{kind}"].add(name)
    return candidates


def subtraction_estimate(found: dict):
    """The attacker's one estimate: the median of single-part subtractions, else of group ones."""
    if found["single"]:
        return statistics.median(found["single"])
    if found["group"]:
        return statistics.median(found["group"])
    return None


def least_squares(cells: Cells, snapshot, unknown_keys: list, structural_weight: float = 10.0):
    """Solve every shown figure as a sum of the finest unknowns, in the least-squares sense.

    Figures with the same coefficients are one row with their mean, weighted by sqrt(count), as
    ordinary least squares over the repeated rows would. Structural rows the attacker knows from
    DESIGN.md ("department hours always sum to hours_total") tie each county-week's townships to
    its departments. Returns (solution, {unknown key: column}, an orthonormal basis of the row
    space (for `determined`), facts: unknowns, figures, equations, rank)."""
    index = {k: i for i, k in enumerate(unknown_keys)}
    rows = defaultdict(list)
    figures = 0
    for (cell, _view), value in snapshot.figures.items():
        if value is None:
            continue
        coefficients = cells.coefficients(cell, index)
        if not coefficients:
            continue
        figures += 1
        rows[tuple(sorted(coefficients))].append(value)
    n = len(unknown_keys)
    matrix, rhs, weights = [], [], []
    for columns, values in rows.items():
        row = np.zeros(n)
        row[list(columns)] = 1.0
        matrix.append(row)
        rhs.append(sum(values) / len(values))
        weights.append(math.sqrt(len(values)))
    structural = 0
    s = cells.s
    for county in s.counties:
        for week in cells.weeks:
            row = np.zeros(n)
            for t in s.children(county):
                if ("t", t, week) in index:
                    row[index[("t", t, week)]] = 1.0
            for key, column in index.items():
                if key[0] == "d" and key[2] == county and key[3] == week:
                    row[column] = -1.0
            if row.any():
                matrix.append(row)
                rhs.append(0.0)
                weights.append(structural_weight)
                structural += 1
    a = np.asarray(matrix) * np.asarray(weights)[:, None]
    b = np.asarray(rhs) * np.asarray(weights)
    # The minimum-norm least-squares solution (what numpy.linalg.lstsq returns), through one
    # eigendecomposition of the normal equations: the same factorisation gives the rank and which
    # cells the figures determine, at a third of the cost of lstsq plus an SVD on two cores.
    values, vectors = np.linalg.eigh(a.T @ a)
    tol = values.max() * n * np.finfo(float).eps * 10
    kept = values > tol
    basis = vectors[:, kept].T  # orthonormal rows spanning the row space of the system
    solution = basis.T @ ((basis @ (a.T @ b)) / values[kept])
    facts = {
        "unknowns": n,
        "figures": figures,
        "equations": len(rhs),
        "structural_equations": structural,
        "rank": int(kept.sum()),
    }
    return solution, index, basis, facts


def determined(basis, coefficients: dict, n: int) -> bool:
    """Whether the figures fix this sum of unknowns exactly (noise aside): its coefficient vector
    lies in the row space of the system."""
    vector = np.zeros(n)
    vector[list(coefficients)] = 1.0
    residual = vector - basis.T @ (basis @ vector)
    return float(np.linalg.norm(residual)) < 1e-6
