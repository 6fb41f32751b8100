"""Demo remediation, set-based after a tenant's findings are in: action plans (one to
three actions on findings in remediation or further, a few on open ones; some overdue),
passed validations of closed findings (a third after a failed first one) and failed
ones in the history of findings back in remediation, risk acceptances with expiries (a quarter of them within 30 days),
due-date extensions with their reasons.

Everything is derived from the finding's id by hashing (``hashint8``, masked to be
non-negative), so the same seed and day give the same data. The row triggers of the three tables are paused for the
statements (as for the bulk insert) and the stored counts, sort keys and tallies are
computed afterwards (``db.derived.recompute_derived``)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Connection, text

from auditdesk.data.figure_days import recompute_figure_days
from auditdesk.db.derived import recompute_derived

ACTION_TITLES = (
    "Update the written procedure and circulate it to the team",
    "Configure system-enforced approval limits",
    "Reconcile the open items and clear the backlog",
    "Train the responsible staff on the revised control",
    "Introduce a monthly management review with sign-off",
    "Remove leavers' access and recertify the remaining rights",
    "Separate data entry from approval in the workflow",
    "Add an exception report to the month-end close",
    "Agree retention rules with Legal and apply them",
    "Test the control on a sample and keep the evidence",
    "Automate the reconciliation in the ERP",
    "Name an owner and a deputy for the control",
    "Update the risk register and inform the risk committee",
    "Replace the spreadsheet with a controlled workflow",
    "Review vendor master data changes every week",
    "Escalate overdue items to the process owner",
)
VALIDATION_NOTES_PASSED = (
    "Re-performed the control on a sample of 25 items; all approved within limits.",
    "Walked through the new procedure with the process owner; evidence retained.",
    "Sample of 40 transactions since go-live: no exceptions.",
    "Reviewed three months of sign-offs; complete and on time.",
)
VALIDATION_NOTES_FAILED = (
    "Sample of 25 items: 3 still lacked approval evidence.",
    "The procedure is updated but staff in two sites have not been trained.",
    "Access review done for one system only; the ERP is still open.",
    "Exception report exists but nobody signs it off.",
)
RISK_REASONS = (
    "System is retired next year; a manual monthly review compensates until then.",
    "Cost of the fix exceeds the exposure; the CFO accepted the residual risk.",
    "Vendor patch not available; compensating monitoring in place.",
    "Low volume process; management reviews every transaction by hand.",
)
EXTENSION_REASONS = (
    "Vendor delivers the required release later than planned.",
    "Key staff on the project moved to the year-end close.",
    "Scope grew after the first review; agreed with the audit committee.",
    "Waiting for the new ERP module to go live.",
)

H = "(hashint8(o.id * {k} + {c}) & 2147483647)"

ACTIONS_SQL = f"""
INSERT INTO remediation_action (tenant_id, observation_id, title, owner_id, due_date, status,
                                percent_complete, completed_on, finding_engagement_id)
SELECT o.tenant_id, o.id, a.title, a.owner, a.due,
       a.status, CASE a.status WHEN 'done' THEN 100 WHEN 'planned' THEN 0
                               WHEN 'cancelled' THEN 0 ELSE a.pct END,
       CASE WHEN a.status = 'done' THEN least(greatest(a.due, o.identified_on), :today) END,
       o.engagement_id
  FROM observation o
 CROSS JOIN LATERAL generate_series(1, 1 + ({H.format(k=3, c=1)} % 3)::int) AS k
 CROSS JOIN LATERAL (
   SELECT (CAST(:titles AS text[]))[1 + ((hashint8(o.id * 17 + k) & 2147483647) % :n_titles)::int] AS title,
          (CAST(:owners AS bigint[]))[1 + ((hashint8(o.id * 5 + k) & 2147483647) % :n_owners)::int] AS owner,
          o.identified_on + greatest(14, (coalesce(o.due_date, o.identified_on + 120)
                                          - o.identified_on) * k / 3) AS due,
          10 + ((hashint8(o.id * 11 + k) & 2147483647) % 80)::int AS pct,
          (hashint8(o.id * 13 + k) & 2147483647) % 10 AS roll
 ) AS p
 CROSS JOIN LATERAL (
   SELECT p.title, p.owner, p.due, p.pct,
          CASE
            WHEN o.status IN ('pending_validation', 'closed')
              THEN CASE WHEN p.roll = 0 THEN 'cancelled' ELSE 'done' END
            WHEN o.status = 'open' THEN 'planned'
            WHEN p.due < :today THEN CASE WHEN p.roll < 4 THEN 'done' ELSE 'in_progress' END
            ELSE CASE WHEN p.roll < 5 THEN 'planned' ELSE 'in_progress' END
          END AS status
 ) AS a
 WHERE o.tenant_id = :tenant
   AND (o.status IN ('in_remediation', 'pending_validation')
        OR (o.status = 'closed' AND {H.format(k=7, c=2)} % 5 < 2)
        OR (o.status = 'open' AND {H.format(k=7, c=3)} % 4 = 0))
"""

# Closed findings with an action plan were validated (passed) when they closed; some
# findings in remediation failed a validation once.
VALIDATIONS_SQL = f"""
INSERT INTO observation_validation (tenant_id, observation_id, validated_on, result, notes,
                                    validated_by, recorded_at)
SELECT o.tenant_id, o.id, v.day, v.result, v.notes, v.validator, v.recorded
  FROM observation o
 CROSS JOIN LATERAL (
   SELECT CASE WHEN o.status = 'closed' THEN 'passed' ELSE 'failed' END AS result,
          CASE WHEN o.status = 'closed'
               THEN least(greatest((o.closed_at AT TIME ZONE :zone)::date, o.identified_on), :today)
               ELSE greatest(o.identified_on, CAST(:today AS date) - 5
                             - ({H.format(k=19, c=4)} % 40)::int) END AS day,
          CASE WHEN o.status = 'closed'
               THEN (CAST(:passed AS text[]))[1 + ({H.format(k=23, c=5)} % :n_passed)::int]
               ELSE (CAST(:failed AS text[]))[1 + ({H.format(k=23, c=6)} % :n_failed)::int]
          END AS notes,
          (SELECT u FROM unnest(CAST(:owners AS bigint[])) AS u
            WHERE u IS DISTINCT FROM o.owner_id
            ORDER BY (hashint8(u * 29 + o.id) & 2147483647) LIMIT 1) AS validator,
          coalesce(o.closed_at, now()) AS recorded
 ) AS v
 WHERE o.tenant_id = :tenant
   AND ((o.status = 'closed' AND o.actions_total > 0)
        OR (o.status = 'in_remediation' AND {H.format(k=31, c=7)} % 7 = 0
            AND o.identified_on <= CAST(:today AS date) - 60))
"""

# A third of the validated closed findings failed a first validation a few weeks before.
EARLIER_FAILURES_SQL = f"""
INSERT INTO observation_validation (tenant_id, observation_id, validated_on, result, notes,
                                    validated_by, recorded_at)
SELECT v.tenant_id, v.observation_id, greatest(o.identified_on, v.validated_on - w.days),
       'failed', (CAST(:failed AS text[]))[1 + ({H.format(k=67, c=16)} % :n_failed)::int],
       v.validated_by, v.recorded_at - make_interval(days => w.days)
  FROM observation_validation v
  JOIN observation o ON o.tenant_id = v.tenant_id AND o.id = v.observation_id
 CROSS JOIN LATERAL (SELECT 14 + ({H.format(k=71, c=17)} % 30)::int AS days) w
 WHERE v.tenant_id = :tenant AND v.result = 'passed' AND {H.format(k=73, c=18)} % 3 = 0
   AND v.validated_on - w.days > o.identified_on
"""

RISKS_SQL = f"""
UPDATE observation o
   SET risk_accepted_until = CAST(:today AS date) + CASE
           WHEN {H.format(k=37, c=8)} % 4 = 0 THEN 3 + ({H.format(k=41, c=9)} % 27)::int
           ELSE 31 + ({H.format(k=41, c=10)} % 700)::int END,
       risk_acceptance_reason = (CAST(:reasons AS text[]))[1 + ({H.format(k=43, c=11)} % :n_reasons)::int],
       risk_accepted_by = (CAST(:managers AS bigint[]))[1 + ({H.format(k=47, c=12)} % :n_managers)::int]
 WHERE o.tenant_id = :tenant AND o.status = 'risk_accepted'
"""

EXTENSIONS_SQL = f"""
UPDATE observation o
   SET original_due_date = coalesce(o.original_due_date, o.due_date),
       due_date = o.due_date + 30 + ({H.format(k=53, c=13)} % 60)::int,
       due_date_extension_reason = (CAST(:reasons AS text[]))[1 + ({H.format(k=59, c=14)} % :n_reasons)::int]
 WHERE o.tenant_id = :tenant AND o.status IN ('open', 'in_remediation', 'pending_validation')
   AND o.due_date IS NOT NULL AND {H.format(k=61, c=15)} % 9 = 0
"""

TABLES = ("observation", "remediation_action", "observation_validation")


def insert_remediation(connection: Connection, tenant_id: int, time_zone: str,
                       owners: list[int], managers: list[int], today: date) -> None:
    """Action plans, validations, accepted risks and extensions for one demo tenant."""
    for table in TABLES:
        connection.execute(text(f"ALTER TABLE {table} DISABLE TRIGGER USER"))
    common = {"tenant": tenant_id, "today": today, "owners": owners, "n_owners": len(owners)}
    connection.execute(text(ACTIONS_SQL), {**common, "titles": list(ACTION_TITLES),
                                           "n_titles": len(ACTION_TITLES)})
    recompute_derived(connection, tenant_id)  # the action counts the validations read
    connection.execute(text(VALIDATIONS_SQL), {
        **common, "zone": time_zone,
        "passed": list(VALIDATION_NOTES_PASSED), "n_passed": len(VALIDATION_NOTES_PASSED),
        "failed": list(VALIDATION_NOTES_FAILED), "n_failed": len(VALIDATION_NOTES_FAILED),
    })
    connection.execute(text(EARLIER_FAILURES_SQL), {
        "tenant": tenant_id, "failed": list(VALIDATION_NOTES_FAILED),
        "n_failed": len(VALIDATION_NOTES_FAILED),
    })
    connection.execute(text(RISKS_SQL), {
        "tenant": tenant_id, "today": today, "reasons": list(RISK_REASONS),
        "n_reasons": len(RISK_REASONS), "managers": managers or owners,
        "n_managers": len(managers or owners),
    })
    connection.execute(text(EXTENSIONS_SQL), {
        "tenant": tenant_id, "reasons": list(EXTENSION_REASONS),
        "n_reasons": len(EXTENSION_REASONS),
    })
    recompute_derived(connection, tenant_id)  # due dates moved: tallies, sort keys, counts
    recompute_figure_days(connection, tenant_id)  # closes, acceptances: the dashboard's days
    for table in TABLES:
        connection.execute(text(f"ALTER TABLE {table} ENABLE TRIGGER USER"))
