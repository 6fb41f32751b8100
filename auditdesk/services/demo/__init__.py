"""Demo data: two tenants of believable engagements, findings and repeat lineage.

Small reference data (tenants, users, engagements, team members) is generated in
Python from a seeded ``random.Random``; observations are generated inside
PostgreSQL with one set-based ``INSERT ... SELECT`` over ``generate_series``
(random draws after ``setseed``), so that a tenant of 1,000,000 findings loads
in minutes and the same seed always gives the same data.

How observations are built:

* Findings come in *families*: an original finding and, for about one family in
  ten, a chain of 1 to 5 repeats of it (about 15% of all findings are repeats).
  Every member of a family shares the auditee, the title and the process, and
  each repeat is identified in a later engagement of the same auditee when one
  has started (else later in the same engagement), never before the finding it
  repeats. ``repeat_of_id`` points to the previous member of the chain.
* Refs (``OBS-000123``) are numbered in the order findings were identified.
* Severity is drawn 5% critical, 20% high, 50% medium, 25% low; the due date is
  30/90/180/365 days after identification by severity, sometimes extended
  (``original_due_date`` keeps the first one).
* Status follows the dates as of the load day: most old findings are closed
  (some after their due date), a few risk-accepted, some still open past their
  due date, drafts only in engagements still in fieldwork or reporting.

The package (see ``docs/architecture.md``):

* ``fixtures.py`` — the text fixtures: auditees, names, tenants, finding templates;
* ``reference.py`` — users, engagements and teams, generated in Python;
* ``evidence_files.py`` — small PDFs and PNG images generated here, attached to some
  findings;
* ``bulk.py`` and ``bulk_sql.py`` — the observations, one set-based insert per tenant;
  above ``bulk.BULK_THRESHOLD`` findings the observation triggers and secondary indexes
  are paused for that insert, and the stored recurrence is then computed by
  ``auditdesk.db.recurrence``, the statement migration 0004 also runs;
* ``remediation`` — action plans, validations, accepted risks and extensions;
* this module — ``load_demo`` (the use case) and ``has_data``.
"""

from __future__ import annotations

import random
import time
from datetime import date

from sqlalchemy import Connection, Engine, insert, select, text
from sqlalchemy.orm import Session

from auditdesk.db.models import TenantRow
from auditdesk.domain import clock
from auditdesk.domain.limits import check_demo_observations
from auditdesk.services.demo.bulk import insert_observations
from auditdesk.services.demo.evidence_files import insert_evidence
from auditdesk.services.demo.fixtures import TENANTS, TIME_ZONES
from auditdesk.services.demo.records import (
    DemoDataExists,
    DemoSummary,
    Progress,
    TenantDemoSummary,
)
from auditdesk.services.demo.reference import (
    MAX_ENGAGEMENTS,
    insert_engagements,
    insert_users,
    pick_auditees,
)
from auditdesk.services.demo.remediation import insert_remediation

__all__ = ["DemoDataExists", "DemoSummary", "TenantDemoSummary", "has_data", "load_demo"]

def has_data(session: Session) -> bool:
    """True when the database holds any tenant (the app offers demo data otherwise)."""
    return session.scalar(select(TenantRow.id).limit(1)) is not None


def load_demo(
    engine_or_session: Engine | Session,
    observations: int | None = None,
    seed: int = 2026,
    progress: Progress | None = None,
    *,
    today: date | None = None,
) -> DemoSummary:
    """Fill the database with the two demo tenants.

    ``observations`` sets the first tenant's number of observations exactly (the
    second keeps its default). Given a ``Session`` the caller owns the transaction
    and commits; given an ``Engine`` this function commits. Raises
    ``DemoDataExists`` when a demo tenant is already present.

    Dates are relative to ``today`` (default: the current UTC date): the same seed
    and the same day give the same data. ``progress`` receives one line per step.
    """
    check_demo_observations(observations)
    today = today or clock.utc_now().date()
    report = progress or (lambda message: None)
    started = time.perf_counter()
    if isinstance(engine_or_session, Session):
        summaries = _load(engine_or_session.connection(), observations, seed, today, report)
    else:
        with engine_or_session.begin() as connection:
            summaries = _load(connection, observations, seed, today, report)
        if (observations or 0) >= COMPACT_FROM:
            _compact(engine_or_session, report)
    return DemoSummary(
        tenants=tuple(summaries), seed=seed, elapsed_seconds=time.perf_counter() - started
    )



COMPACT_FROM = 50_000  # findings: below this the few extra pages cost nothing


def _compact(engine: Engine, report: Progress) -> None:
    """Rewrite the tables the loader updated row by row after inserting them (derived
    columns, action counts, remediation): every finding leaves several dead versions,
    and at 1,000,000 findings the table took 6.3 GB where its rows need 1.5 GB, so
    that every read of a finding's row cost a page of its own. A database that grew by
    daily use keeps its tables near their rows' size (autovacuum reuses the space)."""
    report("  compacting the rewritten tables (VACUUM FULL)")
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("VACUUM (FULL) observation, remediation_action"))
        # A rewrite leaves every page unmarked in the visibility map: without this pass
        # no index-only scan would skip the table.
        connection.execute(text("VACUUM (ANALYZE) observation, remediation_action"))


def _load(
    connection: Connection, observations: int | None, seed: int, today: date, report: Progress
) -> list[TenantDemoSummary]:
    slugs = [t[0] for t in TENANTS]
    existing = connection.execute(
        select(TenantRow.slug).where(TenantRow.slug.in_(slugs)).order_by(TenantRow.slug)
    ).scalars().all()
    if existing:
        raise DemoDataExists(
            "Demo data is already loaded (tenant " + ", ".join(existing) + " exists); "
            "use a new workspace or database to load it again."
        )
    connection.execute(text("SET LOCAL work_mem = '256MB'"))
    summaries = []
    for index, (slug, name, domain, roles, n_auditees, default_obs, default_eng) in enumerate(
        TENANTS
    ):
        count = observations if (index == 0 and observations is not None) else default_obs
        engagements = min(max(default_eng, count // 100), MAX_ENGAGEMENTS)
        rng = random.Random(f"auditdesk-demo:{seed}:{slug}")
        report(f"{name}: users and {engagements:,} engagements")
        tenant_id = connection.execute(
            insert(TenantRow)
            .values(slug=slug, name=name, time_zone=TIME_ZONES[slug])
            .returning(TenantRow.id)
        ).scalar_one()
        users = insert_users(connection, rng, tenant_id, domain, roles)
        auditees = pick_auditees(rng, n_auditees)
        plan = insert_engagements(connection, rng, tenant_id, users, auditees, engagements, today)
        report(f"{name}: {count:,} observations")
        repeats = insert_observations(
            connection, tenant_id, seed, index, count, users, auditees, plan, today, report
        )
        report(f"{name}: action plans, validations and accepted risks")
        insert_remediation(
            connection, tenant_id, TIME_ZONES[slug],
            [u.id for u in users if u.role in ("auditor", "manager")],
            [u.id for u in users if u.role == "manager"], today,
        )
        files = insert_evidence(connection, rng, tenant_id,
                                [u.id for u in users if u.role != "admin"])
        report(f"{name}: {files} evidence files")
        summaries.append(
            TenantDemoSummary(
                slug=slug,
                name=name,
                users=len(users),
                engagements=len(plan),
                auditees=len(auditees),
                observations=count,
                repeats=repeats,
            )
        )
    report("Saving the demo data")  # the summary that follows says it was loaded
    return summaries
