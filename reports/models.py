"""Derived tables: what the rollup writes and every page, answer and export reads.

All are recomputed per county-week from raw submitted entries (reports.jobs) and replaced in one
transaction. Shares are never stored: numerators and denominators are, so any period bucket
aggregates exactly by summing weekly rows. Distinct reporters do not add across weeks, so two
internal tables keep one row per reporter and week (never served, never shown with identities)
from which any bucket's distinct count is exact.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from portal.models import Department, Region


class Measures(models.Model):
    """One week's additive measures of a cell; `reporters` = submitted logs in the cell."""

    county = models.ForeignKey(Region, on_delete=models.CASCADE, related_name="+")
    week = models.CharField(max_length=8)
    reporters = models.IntegerField(default=0)
    entries_meeting = models.IntegerField(default=0)
    entries_document = models.IntegerField(default=0)
    entries_inspection = models.IntegerField(default=0)
    entries_app_task = models.IntegerField(default=0)
    hours_meeting = models.FloatField(default=0)
    hours_document = models.FloatField(default=0)
    hours_inspection = models.FloatField(default=0)
    hours_app_task = models.FloatField(default=0)
    hours_total = models.FloatField(default=0)
    unnumbered_docs = models.IntegerField(default=0)
    relayed_meetings = models.IntegerField(default=0)
    repeat_meetings = models.IntegerField(default=0)
    accompanying_meetings = models.IntegerField(default=0)
    disguised_inspections = models.IntegerField(default=0)
    duplicate_app_tasks = models.IntegerField(default=0)
    computed_at = models.DateTimeField()

    class Meta:
        abstract = True


class CountyWeekStat(Measures):
    """Per county and ISO week."""

    class Meta:
        verbose_name = _("county-week statistic")
        verbose_name_plural = _("county-week statistics")
        constraints = [models.UniqueConstraint(fields=["county", "week"], name="countyweekstat_unique")]


class TownshipWeekStat(Measures):
    """Per county, ISO week and township (drill-down)."""

    township = models.ForeignKey(Region, on_delete=models.CASCADE, related_name="+")

    class Meta:
        verbose_name = _("township-week statistic")
        verbose_name_plural = _("township-week statistics")
        constraints = [
            models.UniqueConstraint(fields=["county", "week", "township"], name="townshipweekstat_unique")
        ]


class DepartmentWeekStat(models.Model):
    """Per county, ISO week and issuing department.

    `entries`, `entries_<kind>`, `hours` (an entry with n issuers gives each hours/n) and
    `reporters` count entries naming this department itself. The `tree_` columns are its footprint
    with its divisions: entries naming it or any division (each entry once), their hours shares
    falling on it or its divisions, and the cadres who filed them.
    """

    county = models.ForeignKey(Region, on_delete=models.CASCADE, related_name="+")
    week = models.CharField(max_length=8)
    department = models.ForeignKey(Department, on_delete=models.CASCADE, related_name="+")
    entries = models.IntegerField(default=0)
    entries_meeting = models.IntegerField(default=0)
    entries_document = models.IntegerField(default=0)
    entries_inspection = models.IntegerField(default=0)
    entries_app_task = models.IntegerField(default=0)
    hours = models.FloatField(default=0)
    reporters = models.IntegerField(default=0)
    tree_entries = models.IntegerField(default=0)
    tree_hours = models.FloatField(default=0)
    tree_reporters = models.IntegerField(default=0)
    # The footprint with divisions by kind and each indicator's numerator (reports.rollup
    # TREE_PROFILE_COLUMNS), for the department page's kinds and indicators.
    tree_entries_meeting = models.IntegerField(default=0)
    tree_entries_document = models.IntegerField(default=0)
    tree_entries_inspection = models.IntegerField(default=0)
    tree_entries_app_task = models.IntegerField(default=0)
    tree_unnumbered_docs = models.IntegerField(default=0)
    tree_relayed_meetings = models.IntegerField(default=0)
    tree_repeat_meetings = models.IntegerField(default=0)
    tree_accompanying_meetings = models.IntegerField(default=0)
    tree_disguised_inspections = models.IntegerField(default=0)
    tree_duplicate_app_tasks = models.IntegerField(default=0)
    computed_at = models.DateTimeField()

    class Meta:
        verbose_name = _("department-week statistic")
        verbose_name_plural = _("department-week statistics")
        constraints = [
            models.UniqueConstraint(fields=["county", "week", "department"], name="departmentweekstat_unique")
        ]
        indexes = [models.Index(fields=["department", "week"], name="departmentweekstat_dept")]


# The internal per-reporter tables are large (a row per reporter, or reporter and department, per
# week) and written in bulk: no foreign-key triggers and no single-column indexes, which their
# unique and bucket indexes make redundant. Deletes still cascade through the ORM.
_INTERNAL_FK = {
    "to": Region,
    "on_delete": models.CASCADE,
    "related_name": "+",
    "db_index": False,
    "db_constraint": False,
}


class ReporterWeek(models.Model):
    """Internal: one submitted log (a reporter in a week). Never served; exists so distinct
    reporters of any bucket are exact. `quarter` and `year` are the week's buckets."""

    county = models.ForeignKey(**_INTERNAL_FK)
    week = models.CharField(max_length=8)
    quarter = models.CharField(max_length=7)
    year = models.CharField(max_length=4)
    township = models.ForeignKey(**_INTERNAL_FK)
    cadre_id = models.BigIntegerField()
    entries = models.IntegerField(default=0)
    hours_total = models.FloatField(default=0)
    # The log's record key in [0, 2**32) (reports.rollup.record_keys), never served: a cell's key
    # is the sum of its rows' keys, from which reports.protection draws the cell's noise.
    record_key = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["county", "week", "cadre_id"], name="reporterweek_unique")
        ]
        indexes = [models.Index(fields=["county", "year", "quarter"], name="reporterweek_bucket")]


class ReporterDepartmentWeek(models.Model):
    """Internal: a cadre filed, that week, an entry naming this department (`direct`) or one of
    its divisions only (`direct` false). Never served."""

    county = models.ForeignKey(**_INTERNAL_FK)
    week = models.CharField(max_length=8)
    quarter = models.CharField(max_length=7)
    year = models.CharField(max_length=4)
    cadre_id = models.BigIntegerField()
    department = models.ForeignKey(**{**_INTERNAL_FK, "to": Department})
    direct = models.BooleanField(default=True)
    # The cadre's hours that week falling on this department (`hours`, 0 unless direct) and on it
    # or its divisions (`tree_hours`), and the log's record key: what protection needs per cell.
    hours = models.FloatField(default=0)
    tree_hours = models.FloatField(default=0)
    record_key = models.BigIntegerField(default=0)

    class Meta:
        # No unique constraint: the rollup writes each (county, week, cadre, department) once under
        # the county's lock, and a unique index made every re-run check the heap for each deleted
        # duplicate key (10x slower COPY at province scale).
        indexes = [
            # (county, week) rather than (county, year, quarter): a county-week rollup deletes
            # by week, and every reader filters by county first.
            models.Index(fields=["county", "week"], name="reporterdeptweek_county_week"),
            models.Index(fields=["department", "year"], name="reporterdeptweek_dept"),
        ]


# Table name of each derived model, in the order the rollup writes them (rollup frame name -> model).
DERIVED = {
    "county_weeks": CountyWeekStat,
    "township_weeks": TownshipWeekStat,
    "department_weeks": DepartmentWeekStat,
    "reporter_weeks": ReporterWeek,
    "reporter_departments": ReporterDepartmentWeek,
}


# ---------------------------------------------------------------------------- dashboard extras
# Internal per-reporter tables the dashboards need beyond the stats answers (cost by cadre level,
# merge recommendations, repeated meeting themes). Written by reports.extras in the same
# county-week transaction as the tables above; never served row by row: pages show only
# aggregates of groups with at least BURDEN_MIN_GROUP distinct reporters. Like the internal tables
# above they are written in bulk under the county's lock: no foreign-key triggers, no unique
# index (each key is written once per rollup), one bucket index for the pages' reads.


class ReporterLevelWeek(models.Model):
    """Internal: one submitted log with its cadre's level (township or village) and hours, so
    the cost in yuan can price each level's hours at its own wage tariff."""

    county = models.ForeignKey(**_INTERNAL_FK)
    week = models.CharField(max_length=8)
    quarter = models.CharField(max_length=7)
    year = models.CharField(max_length=4)
    cadre_id = models.BigIntegerField()
    level = models.CharField(max_length=10)
    hours_total = models.FloatField(default=0)
    record_key = models.BigIntegerField(default=0)

    class Meta:
        indexes = [models.Index(fields=["county", "year", "quarter"], name="reporterlevelweek_bucket")]


class ReporterInspectionWeek(models.Model):
    """Internal: inspections a cadre hosted that week per issuing department (joint inspections
    count for each issuer, hours split equally), for joint-inspection candidates."""

    county = models.ForeignKey(**_INTERNAL_FK)
    week = models.CharField(max_length=8)
    quarter = models.CharField(max_length=7)
    year = models.CharField(max_length=4)
    cadre_id = models.BigIntegerField()
    department = models.ForeignKey(**{**_INTERNAL_FK, "to": Department})
    inspections = models.IntegerField(default=0)
    hours = models.FloatField(default=0)

    class Meta:
        indexes = [models.Index(fields=["county", "year", "quarter"], name="reporterinspweek_bucket")]


class ReporterDataItemWeek(models.Model):
    """Internal: app tasks of a cadre that week asking for a data item through an app, for
    county-list candidates (the same item demanded by several apps)."""

    county = models.ForeignKey(**_INTERNAL_FK)
    week = models.CharField(max_length=8)
    quarter = models.CharField(max_length=7)
    year = models.CharField(max_length=4)
    cadre_id = models.BigIntegerField()
    app_id = models.BigIntegerField()
    data_item_id = models.BigIntegerField()
    entries = models.IntegerField(default=0)

    class Meta:
        indexes = [models.Index(fields=["county", "year", "quarter"], name="reporterdataitemweek_bucket")]


class ReporterTitleWeek(models.Model):
    """Internal: a meeting title (whitespace-normalised) a cadre reported that week, per issuing
    department (a meeting with two issuers gives two rows). Only titles shared by at least
    BURDEN_MIN_GROUP distinct cadres ever leave the database, and only as titles and departments,
    never counts."""

    county = models.ForeignKey(**_INTERNAL_FK)
    week = models.CharField(max_length=8)
    quarter = models.CharField(max_length=7)
    year = models.CharField(max_length=4)
    cadre_id = models.BigIntegerField()
    title = models.CharField(max_length=200)
    # Null only on rows written before the column existed (migration 0011 marks them stale).
    department = models.ForeignKey(**{**_INTERNAL_FK, "to": Department, "null": True})
    entries = models.IntegerField(default=0)

    class Meta:
        indexes = [models.Index(fields=["county", "year", "quarter"], name="reportertitleweek_bucket")]


# Written by reports.extras (rollup frame name -> model), after DERIVED in the same transaction.
EXTRAS = {
    "reporter_levels": ReporterLevelWeek,
    "reporter_inspections": ReporterInspectionWeek,
    "reporter_data_items": ReporterDataItemWeek,
    "reporter_titles": ReporterTitleWeek,
}


class CountyTarget(models.Model):
    """The county burden-reduction office's target for hours per cadre per week, drawn as a line
    on its dashboard's trend chart. Set by the county reviewer (portal.policy.can_set_target)
    through reports.targets.set_target."""

    county = models.OneToOneField(Region, on_delete=models.CASCADE, related_name="+")
    hours_per_cadre_week = models.DecimalField(_("hours per cadre per week"), max_digits=4, decimal_places=1)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("county target")
        verbose_name_plural = _("county targets")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(hours_per_cadre_week__gt=0, hours_per_cadre_week__lte=40),
                name="countytarget_hours_in_range",
            )
        ]


class RollupRun(models.Model):
    """A status row per rollup run (STYLE.md habit 5): who or what started it, how many counties
    it covers, how many are done, and which failed and why, so that the administrators' page
    (reports.run_views) can show a progress bar and failures are not lost in a worker's log.
    Written only by reports.runs; the per-submit rollup of one county-week writes none."""

    class Kind(models.TextChoices):
        REBUILD = "rebuild", _("Full rebuild (workers)")
        COMMAND = "command", _("manage.py rollup")
        DRAIN = "drain", _("Dirty-mark drain")

    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    triggered_by = models.CharField(_("triggered by"), max_length=100, blank=True)
    started_at = models.DateTimeField(_("started"))
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    counties_total = models.IntegerField(_("counties"), default=0)
    counties_done = models.IntegerField(_("counties done"), default=0)
    failures = models.IntegerField(_("failures"), default=0)
    # One line per failed county: its code, the error's class and the start of its message.
    failure_notes = models.TextField(_("failed counties"), blank=True)

    class Meta:
        verbose_name = _("rollup run")
        verbose_name_plural = _("rollup runs")
        ordering = ["-started_at", "-pk"]
        indexes = [models.Index(fields=["-started_at"], name="rolluprun_started")]

    def __str__(self):
        return f"{self.get_kind_display()} {self.started_at:%Y-%m-%d %H:%M}"

    @property
    def running(self) -> bool:
        return self.finished_at is None
