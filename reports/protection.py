"""Reporter protection: the one module pages, the stats API, exports, charts, the league table and
the cost figure ask before showing anything above the cadre (DESIGN.md "Reporter protection").

1. Minimum group. A cell whose true distinct reporters are fewer than BURDEN_MIN_GROUP shows no
   measure; departments, apps, data items and titles below it are not listed at all.
2. Cell-key perturbation, as statistics offices publish flexible linked tables (ABS TableBuilder,
   ONS, Destatis). Each submitted cadre-week has a record key in [0, 2**32) (reports.rollup:
   a keyed hash of cadre, week and the digest of the week's measured content); a cell's key is
   the sum of its reporter-weeks' keys modulo 2**32, so it depends only on which cadre-weeks, in
   which state, make up the cell. Each measure draws its own slot in [0, 256) from the cell key
   and the measure's name:
   - counts get an integer from a perturbation table laid out as the ONS ptable (a pvalue per
     ckey for each count), |noise| <= 2, mean 0 in every row, never below the row's floor (0, or
     the minimum group for reporter counts);
   - hours get BURDEN_NOISE_SCALE x max(the cell's largest single reporter's hours,
     BURDEN_NOISE_FLOOR_HOURS) x u, u from a symmetric table in [-1, 1] with mean 0, never
     below 0. The bound scales with the largest contribution, so no one reporter is ever
     resolved, however small the cell.
   Derived figures (hours per reporter, shares, cost) are computed from perturbed parts by the
   callers. A zero stays zero: no entries of a kind means no hours of that kind.
3. Closed weeks. A week appears above the cadre only once it is closed
   (BURDEN_WEEK_CLOSES_AFTER_HOURS after its Sunday ends, Asia/Shanghai).

The ONS `cell-key-perturbation` package (PyPI) tabulates microdata with its ptable; our cells are
summed from derived tables at request time and half our figures are magnitudes (hours), which it
does not perturb, so we keep its ptable's layout and cell-key rule and do the lookup here.
"""

import hashlib
from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal import weeks as isoweeks
from reports.rollup import RECORD_KEY_MODULUS

CKEYS = 256  # slots a cell key is folded into, as the ONS ptable's ckey 0-255
MAX_COUNT_NOISE = 2

NOTICE = _("Fewer than %(n)s reporters: not shown")
NOTICE_EXPLAINED = _(
    "“Fewer than %(n)s reporters: not shown” marks a cell behind which fewer than %(n)s cadres "
    "reported, or none: the two are shown alike, so nobody can be singled out."
)
ADJUSTED = _("To protect reporters, figures are randomly adjusted a little; parts may not add up to totals.")


def min_group() -> int:
    return settings.BURDEN_MIN_GROUP


def enabled() -> bool:
    """Rule 2 on (always in production: settings refuse BURDEN_PERTURBATION=0 without DEBUG)."""
    return bool(settings.BURDEN_PERTURBATION)


# ---------------------------------------------------------------------------- rule 3


def last_closed_week() -> str:
    return isoweeks.last_closed_week(timezone.now(), settings.BURDEN_WEEK_CLOSES_AFTER_HOURS)


def closed_weeks(period: isoweeks.Period) -> list[str]:
    """The period's weeks that are closed: the only ones any figure above the cadre covers."""
    last = last_closed_week()
    return [week for week in period.weeks if week <= last]


# ---------------------------------------------------------------------------- cells


@dataclass(frozen=True)
class Cell:
    """What protection needs of one cell: its true distinct reporters (rule 1), its submitted
    logs, the sum of their record keys and its largest single reporter's hours (rule 2); and,
    for convenience, its true hours."""

    reporters: int = 0
    reporter_weeks: int = 0
    key_sum: int = 0
    top_hours: float = 0.0
    hours: float = 0.0

    @property
    def key(self) -> int:
        return int(self.key_sum) % RECORD_KEY_MODULUS

    @property
    def shown(self) -> bool:
        # A key sum of 0 means rows written before record keys existed (every key 0: every cell
        # would draw the same noise): hidden until the rollup has rewritten them.
        keyed = self.key_sum > 0 or not enabled()
        return self.reporters >= min_group() and self.reporters > 0 and keyed


EMPTY = Cell()


def _slot(cell: Cell, measure: str) -> int:
    """The measure's slot in [0, CKEYS): a hash of the cell key and the measure's name, so the
    measures of one cell are not perturbed alike."""
    digest = hashlib.blake2b(f"{cell.key}:{measure}".encode(), digest_size=4).digest()
    return int.from_bytes(digest) % CKEYS


def _count_row(spread: int) -> list[int]:
    """Noise by slot for counts that may move `spread` either way: symmetric, so mean 0."""
    values = list(range(-spread, spread + 1))
    each = CKEYS // len(values)
    counts = dict.fromkeys(values, each)
    counts[0] += CKEYS - each * len(values)  # the remainder on 0 keeps the row symmetric
    return [value for value in values for _ in range(counts[value])]


# The count perturbation table: for a count `spread` (at most 2) above its floor, the pvalue of each
# ckey (slot), as in a row of the ONS ptable; counts further above the floor share the last row.
COUNT_NOISE = {spread: _count_row(spread) for spread in range(MAX_COUNT_NOISE + 1)}
# u by slot: the midpoints of CKEYS equal steps of [-1, 1]: symmetric, mean 0, |u| < 1.
HOURS_U = [(2 * slot + 1) / CKEYS - 1 for slot in range(CKEYS)]


def count(cell: Cell, measure: str, value: int, floor: int = 0) -> int:
    """A count as shown: plus table noise, never below `floor` (a value at or below it is kept)."""
    value = int(value)
    if not enabled() or value <= floor:
        return value
    spread = min(MAX_COUNT_NOISE, value - floor)
    return value + COUNT_NOISE[spread][_slot(cell, measure)]


def reporters(cell: Cell, measure: str, value: int) -> int:
    """A reporter count as shown: never below the minimum group."""
    return count(cell, measure, value, floor=min_group())


def hours_bound(cell: Cell) -> float:
    """The largest noise an hours figure of this cell can get."""
    return settings.BURDEN_NOISE_SCALE * max(cell.top_hours, settings.BURDEN_NOISE_FLOOR_HOURS)


def hours(cell: Cell, measure: str, value: float) -> float:
    """An hours figure as shown: plus bounded noise scaled to the largest contribution, never
    below 0; a true 0 stays 0."""
    value = float(value or 0)
    if not enabled() or value == 0:
        return value
    return max(0.0, value + hours_bound(cell) * HOURS_U[_slot(cell, measure)])


def share(numerator, denominator):
    """A share from perturbed parts, clamped to [0, 1]; None where the denominator is 0."""
    if not denominator:
        return None
    return min(1.0, max(0.0, numerator / denominator))
