"""Open/resolved, severity rank and the metric fields are defined once: the SQL forms
agree with the domain's rules when PostgreSQL evaluates them, the expression indexes
of migration 0002 hold the same text, and the records carry the one list of fields."""

from __future__ import annotations

import importlib.util
import re
from dataclasses import fields
from pathlib import Path

from sqlalchemy import text

from auditdesk.data import expressions
from auditdesk.data.metrics import METRIC_COLUMNS
from auditdesk.db.models import SnapshotRow
from auditdesk.domain.enums import (
    NOT_OPEN_STATUSES,
    OPEN_STATUSES,
    RESOLVED_STATUSES,
    ObservationStatus,
    Severity,
)
from auditdesk.domain.records import Snapshot
from auditdesk.domain.reports import Headline
from auditdesk.domain.trends import METRIC_FIELDS, Metrics

PACKAGE = Path(__file__).resolve().parents[1] / "auditdesk"


def _migration(name: str):
    path = PACKAGE.parent / "migrations" / "versions" / name
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_statuses_split_into_draft_open_and_resolved():
    assert OPEN_STATUSES | RESOLVED_STATUSES | {ObservationStatus.DRAFT} == set(ObservationStatus)
    assert not OPEN_STATUSES & RESOLVED_STATUSES
    assert RESOLVED_STATUSES | {ObservationStatus.DRAFT} == NOT_OPEN_STATUSES
    assert {s for s in ObservationStatus if s.is_open} == OPEN_STATUSES
    assert {s for s in ObservationStatus if s.is_resolved} == RESOLVED_STATUSES


def test_sql_forms_agree_with_the_domain_in_postgresql(database):
    statuses = [s.value for s in ObservationStatus]
    severities = [s.value for s in Severity]
    with database.engine.connect() as c:
        rows = c.execute(
            text(
                f"SELECT status, {expressions.open_sql()} AS open, "
                f"{expressions.resolved_sql()} AS resolved, {expressions.status_rank_sql()} AS rank "
                "FROM unnest(CAST(:s AS text[])) AS t(status)"
            ),
            {"s": statuses},
        ).all()
        ranks = dict(
            c.execute(
                text(
                    f"SELECT severity, {expressions.severity_rank_sql()} "
                    "FROM unnest(CAST(:s AS text[])) AS t(severity)"
                ),
                {"s": severities},
            ).all()
        )
    for status, is_open, is_resolved, rank in rows:
        assert is_open == ObservationStatus(status).is_open
        assert is_resolved == ObservationStatus(status).is_resolved
        assert rank == list(ObservationStatus).index(ObservationStatus(status))
    assert ranks == {s.value: s.rank for s in Severity}


def test_the_due_date_policy_in_sql_is_the_domains(database):
    """The demo loader dates its findings with the SQL form of the severity policy."""
    with database.engine.connect() as c:
        days = dict(
            c.execute(
                text(
                    f"SELECT severity, {expressions.due_days_sql()} "
                    "FROM unnest(CAST(:s AS text[])) AS t(severity)"
                ),
                {"s": [s.value for s in Severity]},
            ).all()
        )
    assert days == {s.value: s.default_due_days for s in Severity}


def test_expression_indexes_hold_the_same_text():
    """The planner uses expr_observation_severity_rank/status_rank only for this text."""
    frozen = _migration("0002_triggers.py")
    assert expressions.severity_rank_sql() == frozen.SEVERITY_RANK
    assert expressions.status_rank_sql() == frozen.STATUS_RANK


def test_records_carry_the_one_list_of_metric_fields():
    assert tuple(f.name for f in fields(Metrics)) == METRIC_FIELDS
    assert len(METRIC_FIELDS) == 10
    assert METRIC_COLUMNS == METRIC_FIELDS
    for record in (Snapshot, Headline):
        assert issubclass(record, Metrics)
        names = [f.name for f in fields(record)]
        assert [n for n in names if n in METRIC_FIELDS] == list(METRIC_FIELDS)
    # A snapshot keeps its key first, as it always had (positional construction).
    assert [f.name for f in fields(Snapshot)][:5] == [
        "tenant_id", "snapshot_date", "captured_at", "source", "metrics_version"
    ]
    columns = SnapshotRow.__table__.columns.keys()
    assert set(METRIC_FIELDS) <= set(columns)


# Literal forms of the rules that must appear only in data/expressions.py (and the
# migrations' frozen copies).
DUPLICATE_RULES = [
    re.compile(r"""['"]closed['"],\s*['"]risk_accepted['"]"""),
    re.compile(r"""WHEN\s+'critical'\s+THEN"""),
    re.compile(r"""NOT IN \('draft'"""),
]
ALLOWED = {"data/expressions.py"}


def test_no_second_definition_in_the_code():
    found = []
    for path in PACKAGE.rglob("*.py"):
        relative = path.relative_to(PACKAGE).as_posix()
        if relative in ALLOWED:
            continue
        source = path.read_text(encoding="utf-8")
        found += [f"{relative}: {p.pattern}" for p in DUPLICATE_RULES if p.search(source)]
    assert found == []
