"""Indexes for the board report: its lists of repeat findings and its aggregates.

The PDF lists only the first rows of a long section (``PDF_ROWS`` in
``auditdesk/services/report/model.py``) and counts the rest. Without an index in the
sections' orders PostgreSQL still reads every finding of the tenant to find the first
250 (EXPLAIN (ANALYZE, BUFFERS); see docs/architecture.md, "At a million findings"):

* ``expr_observation_open_repeats_report`` holds the open repeat findings only (a few
  percent of the table), in the repeat section's order: deepest chain first, then
  severity rank, then ref. The first rows are the first entries of the index, and the
  count by recurrence is an index-only scan of it (``identified_on`` is included for the
  report period).
* ``expr_observation_repeats_identified`` holds the repeats that are not drafts, latest
  identified first, for "closed findings that recurred" (most recent recurrence first).
* ``expr_observation_report_figures`` covers the columns the report's aggregates read
  (headline figures, open by severity and by age, overdue count, repeat rate by auditee,
  due-date extensions), keyed by tenant and identification day (the report period). A
  demo row is several kilobytes, so these read the index (an index-only scan of about
  a hundred bytes a finding) instead of the whole table: 5-10 times less time each at
  20,000 findings.

Named ``expr_``: partial and covering indexes the models do not describe, which the
schema drift check leaves alone (``migrations/env.py``). The expressions are frozen copies of ``auditdesk/data/expressions.py``
(``severity_rank_sql()``, ``open_sql()``): the planner uses a partial or expression
index only for a query holding the same text; ``tests/test_report_repeats_index.py``
checks that they agree.

Revision ID: 0016
Revises: 0015
"""

from __future__ import annotations

from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

SEVERITY_RANK = (
    "CASE severity WHEN 'critical' THEN 0 WHEN 'high' THEN 1 WHEN 'medium' THEN 2 ELSE 3 END"
)
OPEN = "status NOT IN ('draft', 'closed', 'risk_accepted')"

INDEXES = (
    "CREATE INDEX expr_observation_open_repeats_report ON public.observation "
    f"(tenant_id, recurrence DESC, ({SEVERITY_RANK}), ref) INCLUDE (identified_on) "
    f"WHERE repeat_of_id IS NOT NULL AND {OPEN}",
    "CREATE INDEX expr_observation_repeats_identified ON public.observation "
    "(tenant_id, identified_on DESC, ref) "
    "WHERE repeat_of_id IS NOT NULL AND status <> 'draft'",
    "CREATE INDEX expr_observation_report_figures ON public.observation "
    "(tenant_id, identified_on) INCLUDE (id, status, severity, due_date, original_due_date, "
    "closed_at, repeat_of_id, engagement_id)",
)
NAMES = (
    "expr_observation_open_repeats_report",
    "expr_observation_repeats_identified",
    "expr_observation_report_figures",
)


def upgrade() -> None:
    for statement in INDEXES:
        op.execute(statement)


def downgrade() -> None:
    for name in NAMES:
        op.execute(f"DROP INDEX public.{name}")
