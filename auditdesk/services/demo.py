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

When one tenant receives more than ``BULK_THRESHOLD`` observations the user
triggers of ``observation`` (audit trail, lineage guard, version touch) are
disabled for the length of that one insert, inside the transaction; the data
obeys the rules the lineage guard enforces, and the foreign keys stay checked.
The indexes that back no constraint are dropped before that insert and created
again from their own definitions (``pg_get_indexdef``) right after it, in the
same transaction, so the schema ends exactly as it was.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import Connection, Engine, insert, select, text
from sqlalchemy.orm import Session

from auditdesk.db.models import (
    EngagementMemberRow,
    EngagementRow,
    TenantCounterRow,
    TenantRow,
    UserRow,
)
from auditdesk.domain.errors import AuditDeskError, ValidationError

MAX_ENGAGEMENTS = 8_000
"""Engagements grow with ``--observations`` (one per 100 findings) up to this many."""

BULK_THRESHOLD = 10_000
"""Above this many observations for one tenant, observation triggers are paused."""

Progress = Callable[[str], None]


# --------------------------------------------------------------------------------------
# Result


@dataclass(frozen=True)
class TenantDemoSummary:
    slug: str
    name: str
    users: int
    engagements: int
    auditees: int
    observations: int
    repeats: int


@dataclass(frozen=True)
class DemoSummary:
    tenants: tuple[TenantDemoSummary, ...]
    seed: int
    elapsed_seconds: float

    @property
    def users(self) -> int:
        return sum(t.users for t in self.tenants)

    @property
    def engagements(self) -> int:
        return sum(t.engagements for t in self.tenants)

    @property
    def observations(self) -> int:
        return sum(t.observations for t in self.tenants)

    @property
    def repeats(self) -> int:
        return sum(t.repeats for t in self.tenants)

    def as_dict(self) -> dict:
        return {
            "seed": self.seed,
            "tenants": [t.__dict__.copy() for t in self.tenants],
            "users": self.users,
            "engagements": self.engagements,
            "observations": self.observations,
            "repeats": self.repeats,
            "elapsed_seconds": round(self.elapsed_seconds, 2),
        }


class DemoDataExists(AuditDeskError):
    """The demo tenants are already in the database."""


# --------------------------------------------------------------------------------------
# Content


@dataclass(frozen=True)
class _Auditee:
    name: str
    system: str
    processes: tuple[str, str, str]
    weight: int  # risk rating: high-risk units are audited more often


AUDITEES: tuple[_Auditee, ...] = (
    _Auditee("Treasury", "Kyriba", ("bank reconciliations", "cash forecasting", "FX hedging"), 3),
    _Auditee("Procurement", "SAP Ariba", ("supplier onboarding", "purchase order approval", "three-way match"), 3),
    _Auditee("IT General Controls", "Active Directory", ("user access reviews", "change management", "backup and restore"), 3),
    _Auditee("Payroll", "Workday", ("payroll run approval", "employee master data changes", "overtime authorisation"), 2),
    _Auditee("Accounts Payable", "SAP S/4HANA", ("invoice processing", "vendor payments", "duplicate payment checks"), 3),
    _Auditee("Accounts Receivable", "SAP S/4HANA", ("credit limit approval", "collections follow-up", "credit note issuance"), 2),
    _Auditee("General Ledger", "SAP S/4HANA", ("manual journal entries", "month-end close", "account reconciliations"), 2),
    _Auditee("Tax", "Vertex", ("VAT return preparation", "transfer pricing documentation", "tax provision"), 2),
    _Auditee("Human Resources", "Workday", ("joiner-mover-leaver process", "background screening", "performance review records"), 1),
    _Auditee("Sales", "Salesforce", ("contract approval", "discount authorisation", "revenue cut-off"), 2),
    _Auditee("Inventory Management", "Manhattan WMS", ("cycle counts", "stock write-offs", "goods receipt"), 2),
    _Auditee("Fixed Assets", "SAP S/4HANA", ("asset capitalisation", "depreciation runs", "asset disposals"), 1),
    _Auditee("Information Security", "CrowdStrike", ("vulnerability management", "privileged access", "security incident response"), 3),
    _Auditee("Data Privacy", "OneTrust", ("data subject requests", "records of processing", "privacy impact assessments"), 2),
    _Auditee("Facilities", "Archibus", ("physical access control", "maintenance contracts", "health and safety inspections"), 1),
    _Auditee("Logistics", "Oracle Transportation Management", ("carrier selection", "freight invoice audit", "customs declarations"), 1),
    _Auditee("Regulatory Compliance", "MetricStream", ("regulatory change monitoring", "compliance training", "breach reporting"), 2),
    _Auditee("Business Continuity", "Fusion Risk", ("business impact analysis", "continuity plan testing", "crisis communication"), 1),
    _Auditee("Expenses", "Concur", ("expense claim approval", "corporate card usage", "travel policy compliance"), 1),
    _Auditee("Third-Party Risk", "Coupa Risk Assess", ("vendor due diligence", "contract monitoring", "outsourcing oversight"), 2),
    _Auditee("Customer Service", "Zendesk", ("complaint handling", "refund approval", "service level reporting"), 1),
    _Auditee("Marketing", "HubSpot", ("campaign spend approval", "agency contracts", "consent management"), 1),
    _Auditee("Research and Development", "Jira", ("project capitalisation", "grant compliance", "time recording"), 1),
    _Auditee("Legal", "iManage", ("contract repository", "litigation reserves", "power of attorney register"), 1),
)

FIRST_NAMES = (
    "Anna", "Ben", "Chloe", "David", "Elena", "Farid", "Grace", "Hiroshi", "Isabel", "James",
    "Katarzyna", "Liam", "Maria", "Nikhil", "Olivia", "Pedro", "Quinn", "Rachel", "Samuel",
    "Tanya", "Umar", "Victoria", "William", "Ximena", "Yusuf", "Zoe", "Amara", "Lukas",
    "Sofia", "Thomas", "Priya", "Mateo",
)
LAST_NAMES = (
    "Andersen", "Brooks", "Chen", "Dubois", "Evans", "Fischer", "García", "Hughes", "Ivanova",
    "Johansson", "Kowalski", "Lambert", "Moreau", "Nakamura", "O'Connor", "Patel", "Rossi",
    "Schmidt", "Taylor", "Usman", "Van Dijk", "Walsh", "Yilmaz", "Zhang", "Okafor", "Silva",
    "Novak", "Murphy", "Bergström", "Costa",
)

TENANTS = (
    # slug, name, mail domain, (admins, managers, auditors), auditees, default observations,
    # default engagements
    ("northwind", "Northwind Holdings", "northwind.example", (1, 3, 10), 20, 1800, 72),
    ("contoso", "Contoso Group", "contoso.example", (1, 2, 7), 18, 650, 48),
)
# Each demo tenant keeps its own clock, one far from UTC.
TIME_ZONES = {"northwind": "Europe/Berlin", "contoso": "Pacific/Auckland"}

# Placeholders in the templates: %1$s process, %2$s system, %3$s auditee,
# %4$s a sample size, %5$s exceptions found in it, %6$s a number of days.
# Each theme: titles, then two criteria, two conditions and two recommendations that
# fit every title of the theme (cause, effect and response are shared by all).
THEMES: tuple[tuple[tuple[str, ...], tuple[str, str], tuple[str, str], tuple[str, str]], ...] = (
    (  # access
        (
            "User access to %2$s not reviewed periodically",
            "Privileged accounts in %2$s not monitored",
            "Leavers retain access to %2$s",
            "Generic accounts used in %2$s",
        ),
        (
            "Group control standard GC-%4$s states that access to %2$s is granted on a "
            "need-to-know basis and recertified every quarter by the data owner.",
            "The access management policy requires named accounts only, removal of access "
            "within one business day of leaving, and logging of privileged activity.",
        ),
        (
            "Of %4$s user accounts in %2$s, %5$s belonged to people who had left or changed "
            "role and still had access at the time of testing.",
            "No access recertification of %2$s was performed in the last %6$s weeks; %5$s of "
            "%4$s privileged or shared accounts had no named owner.",
        ),
        (
            "Perform a quarterly access recertification of %2$s and remove leavers within one "
            "business day.",
            "Replace shared accounts in %2$s with named accounts and review privileged "
            "activity logs monthly.",
        ),
    ),
    (  # approval and segregation of duties
        (
            "Segregation of duties conflict in %1$s",
            "Approval of %1$s not evidenced",
            "Approval thresholds for %1$s not enforced in %2$s",
            "Master data changes in %2$s not independently reviewed",
            "Changes to %2$s configuration not approved",
        ),
        (
            "The delegation of authority matrix requires approval of %1$s within the limits "
            "set for each role, enforced by the workflow in %2$s.",
            "The %3$s policy requires that %1$s is reviewed and approved by a person other "
            "than the preparer, with evidence retained for seven years.",
        ),
        (
            "The same user can create and approve transactions in %2$s for %1$s; %5$s such "
            "cases occurred in a sample of %4$s.",
            "We selected %4$s items of %1$s from the audit period and found %5$s without "
            "evidence of independent approval.",
        ),
        (
            "Configure %2$s to enforce the approval workflow and remove conflicting access "
            "combinations.",
            "Assign a named approver for %1$s and retain evidence of approval for every item.",
        ),
    ),
    (  # documentation and governance
        (
            "Review of %1$s not documented",
            "Procedure for %1$s outdated",
            "Records of %1$s not retained as required",
            "Risk assessment for %1$s not refreshed",
        ),
        (
            "Procedures for %1$s must be documented, approved by management and reviewed at "
            "least annually for changes in process or systems.",
            "The records retention schedule requires evidence supporting %1$s to be kept for "
            "seven years and to be retrievable within %6$s days.",
        ),
        (
            "The procedure document for %1$s was last updated more than three years ago and "
            "does not reflect the current use of %2$s.",
            "For %5$s of %4$s items of %1$s sampled, the supporting documents could not be "
            "provided or showed no sign of review.",
        ),
        (
            "Update the procedure for %1$s, train the staff involved and have management "
            "confirm its operation each quarter.",
            "Define where evidence of %1$s is filed and check its completeness at each "
            "month-end.",
        ),
    ),
    (  # exceptions and monitoring
        (
            "Exceptions in %1$s not followed up",
            "Late completion of %1$s",
            "Duplicate entries not detected in %1$s",
            "Third-party obligations for %1$s not monitored",
        ),
        (
            "Management committed in the %3$s control framework that exceptions identified "
            "in %1$s are investigated and resolved within %6$s days.",
            "The %3$s operating calendar requires %1$s to be completed and monitored against "
            "agreed deadlines, with escalation of any breach.",
        ),
        (
            "%5$s of %4$s exceptions raised in %1$s during the period were still unresolved "
            "after %6$s days, with no documented follow-up.",
            "In %5$s of %4$s cases tested, %1$s was completed late or not at all, and no "
            "escalation was recorded.",
        ),
        (
            "Introduce a monthly exception report for %1$s with follow-up tracked to closure "
            "within %6$s days.",
            "Set up automated monitoring of %1$s in %2$s with alerts to the process owner.",
        ),
    ),
    (  # reporting and data quality
        (
            "Completeness of %2$s reports not validated",
            "Manual workaround in %1$s without reconciliation",
            "Key performance indicators for %1$s inaccurate",
        ),
        (
            "Reports used for decisions on %1$s must be complete and accurate, with the "
            "logic of each key report from %2$s validated after every change.",
            "The %3$s reporting standard requires manual adjustments to system data to be "
            "reconciled, reviewed and approved.",
        ),
        (
            "Reports from %2$s used for %1$s are exported to spreadsheets and adjusted "
            "manually without a reconciliation back to the system; %5$s of %4$s reports "
            "differed.",
            "We recalculated %4$s indicators for %1$s and found %5$s that did not agree with "
            "the figures reported to management.",
        ),
        (
            "Validate the report logic in %2$s and reconcile manual adjustments to the "
            "system each month.",
            "Automate the calculation of the %1$s indicators and document their definitions.",
        ),
    ),
)
TITLE_TEMPLATES = tuple(title for theme in THEMES for title in theme[0])
TITLE_THEMES = tuple(n for n, theme in enumerate(THEMES, start=1) for _ in theme[0])
CRITERIA_TEMPLATES = tuple(item for theme in THEMES for item in theme[1])
CONDITION_TEMPLATES = tuple(item for theme in THEMES for item in theme[2])
RECOMMENDATION_TEMPLATES = tuple(item for theme in THEMES for item in theme[3])
CAUSE_TEMPLATES = (
    "The control owner for %1$s changed during the year and responsibilities were not "
    "formally handed over.",
    "%2$s does not enforce the approval step, and the manual compensating control relies on "
    "a single person.",
    "Staffing shortages in %3$s during peak periods led to reviews being skipped.",
    "The process has not been redesigned since %2$s was implemented, so existing procedures "
    "no longer match the system.",
    "There is no periodic monitoring of %1$s by management, so exceptions go unnoticed.",
)
EFFECT_TEMPLATES = (
    "Errors or irregularities in %1$s may go undetected, leading to financial loss or "
    "misstatement.",
    "Unauthorised access to %2$s increases the risk of fraud and of data being disclosed "
    "or altered.",
    "Non-compliance with policy may expose %3$s to regulatory penalties and reputational "
    "damage.",
    "Decisions may be based on incomplete or inaccurate information about %1$s.",
    "Weaknesses in %1$s may recur and grow as transaction volumes increase.",
)
RESPONSE_TEMPLATES = (
    "Agreed. The %3$s team will implement the recommendation and report progress monthly to "
    "the audit committee.",
    "Agreed. A project to reconfigure %2$s is planned; interim manual checks on %1$s start "
    "immediately.",
    "Partially agreed. Management will update the procedure for %1$s; system changes depend "
    "on the %2$s upgrade budget.",
    "Agreed. Responsibilities for %1$s have been reassigned and the review will be evidenced "
    "from next month.",
)

ENGAGEMENT_FOCUS = ("review", "audit", "controls assessment", "follow-up review")


# --------------------------------------------------------------------------------------
# Public API


_RECURRENCE_SQL = """
WITH RECURSIVE chain(id, depth) AS (
    SELECT id, 0 FROM observation WHERE tenant_id = :tenant AND repeat_of_id IS NULL
  UNION ALL
    SELECT o.id, chain.depth + 1 FROM observation o
      JOIN chain ON o.tenant_id = :tenant AND o.repeat_of_id = chain.id
)
UPDATE observation o SET recurrence = chain.depth
  FROM chain
 WHERE o.tenant_id = :tenant AND o.id = chain.id AND o.recurrence <> chain.depth
"""


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
    if observations is not None and observations < 0:
        raise ValidationError({"observations": "must be zero or more"})
    today = today or datetime.now(UTC).date()
    report = progress or (lambda message: None)
    started = time.perf_counter()
    if isinstance(engine_or_session, Session):
        summaries = _load(engine_or_session.connection(), observations, seed, today, report)
    else:
        with engine_or_session.begin() as connection:
            summaries = _load(connection, observations, seed, today, report)
    return DemoSummary(
        tenants=tuple(summaries), seed=seed, elapsed_seconds=time.perf_counter() - started
    )


# --------------------------------------------------------------------------------------
# Loading


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
        users = _insert_users(connection, rng, tenant_id, domain, roles)
        auditees = _pick_auditees(rng, n_auditees)
        plan = _insert_engagements(connection, rng, tenant_id, users, auditees, engagements, today)
        report(f"{name}: {count:,} observations")
        repeats = _insert_observations(
            connection, tenant_id, seed, index, count, users, auditees, plan, today, report
        )
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
    report("Demo data loaded")
    return summaries


@dataclass(frozen=True)
class _User:
    id: int
    role: str


def _insert_users(
    connection: Connection,
    rng: random.Random,
    tenant_id: int,
    domain: str,
    roles: tuple[int, int, int],
) -> list[_User]:
    admins, managers, auditors = roles
    people = rng.sample(
        [(f, last) for f in FIRST_NAMES for last in LAST_NAMES], admins + managers + auditors
    )
    wanted = ["admin"] * admins + ["manager"] * managers + ["auditor"] * auditors
    rows = []
    for (first, last), role in zip(people, wanted, strict=True):
        local = f"{first}.{last}".lower().replace("'", "").replace(" ", "")
        local = local.translate(str.maketrans("áéíóöüß", "aeioous"))
        rows.append(
            {
                "tenant_id": tenant_id,
                "email": f"{local}@{domain}",
                "display_name": f"{first} {last}",
                "role": role,
            }
        )
    ids = connection.execute(
        insert(UserRow).returning(UserRow.id, sort_by_parameter_order=True), rows
    ).scalars().all()
    return [_User(id=i, role=r["role"]) for i, r in zip(ids, rows, strict=True)]


def _pick_auditees(rng: random.Random, count: int) -> list[_Auditee]:
    return rng.sample(list(AUDITEES), count)


@dataclass(frozen=True)
class _PlannedEngagement:
    id: int
    auditee: int  # 1-based index into the tenant's auditees
    seq: int  # 1-based order within the auditee
    start: date
    window_end: date  # last day observations can be identified on
    status: str


def _engagement_status(start: date, end: date, today: date) -> str:
    if start > today:
        return "planned"
    if end >= today:
        return "fieldwork"
    if (today - end).days <= 40:
        return "reporting"
    return "closed"


def _insert_engagements(
    connection: Connection,
    rng: random.Random,
    tenant_id: int,
    users: list[_User],
    auditees: list[_Auditee],
    total: int,
    today: date,
) -> list[_PlannedEngagement]:
    """Engagements per auditee, spaced without overlap from three years ago to a few
    months ahead; statuses follow the dates."""
    weights = [a.weight + rng.random() for a in auditees]
    counts = [max(2, round(total * w / sum(weights))) for w in weights]
    while sum(counts) > total and max(counts) > 2:
        counts[counts.index(max(counts))] -= 1
    while sum(counts) < total:
        counts[rng.randrange(len(counts))] += 1
    span_start = today - timedelta(days=3 * 365)
    span_days = 3 * 365 + 180
    # A few auditees are in fieldwork today: their cycle is phased to start just before.
    in_fieldwork = set(rng.sample(range(len(auditees)), max(2, len(auditees) // 6)))
    leads = [u.id for u in users if u.role in ("auditor", "manager")]
    auditors = [u.id for u in users if u.role == "auditor"]
    drafts = []
    for a_index, (auditee, count) in enumerate(zip(auditees, counts, strict=True), start=1):
        slot = span_days / count
        if a_index - 1 in in_fieldwork:
            phase = ((today - span_start).days - rng.randint(5, 25)) % slot
        else:
            phase = rng.random() * slot
        starts = [
            span_start + timedelta(days=int(phase + i * slot + rng.random() * slot * 0.1))
            for i in range(count)
        ]
        for seq, start in enumerate(starts, start=1):
            duration = int(min(slot * 0.6, rng.randint(30, 70)))
            end = start + timedelta(days=duration)
            if seq < count:
                end = min(end, starts[seq])  # engagements of one auditee never overlap
            process = rng.choice(auditee.processes)
            focus = rng.choice(ENGAGEMENT_FOCUS)
            period_end = start - timedelta(days=1)
            lead = rng.choice(leads)
            team = {lead, *rng.sample(auditors, min(len(auditors), rng.randint(1, 3)))}
            drafts.append(
                {
                    "auditee_index": a_index,
                    "seq": seq,
                    "row": {
                        "tenant_id": tenant_id,
                        "title": f"{auditee.name} — {process.capitalize()} {focus}",
                        "auditee": auditee.name,
                        "lead_auditor_id": lead,
                        "status": _engagement_status(start, end, today),
                        "period_start": period_end - timedelta(days=364),
                        "period_end": period_end,
                        "planned_start": start,
                        "planned_end": end,
                    },
                    "team": sorted(team),
                }
            )
    # Codes are numbered per year in order of planned start.
    drafts.sort(key=lambda d: (d["row"]["planned_start"], d["auditee_index"]))
    per_year: dict[int, int] = {}
    for d in drafts:
        year = d["row"]["planned_start"].year
        per_year[year] = per_year.get(year, 0) + 1
        d["row"]["code"] = f"ENG-{year}-{per_year[year]:03d}"
    ids = connection.execute(
        insert(EngagementRow).returning(EngagementRow.id, sort_by_parameter_order=True),
        [d["row"] for d in drafts],
    ).scalars().all()
    members = [
        {"tenant_id": tenant_id, "engagement_id": e_id, "user_id": user_id}
        for e_id, d in zip(ids, drafts, strict=True)
        for user_id in d["team"]
    ]
    connection.execute(insert(EngagementMemberRow), members)
    return [
        _PlannedEngagement(
            id=e_id,
            auditee=d["auditee_index"],
            seq=d["seq"],
            start=d["row"]["planned_start"],
            window_end=min(d["row"]["planned_end"], today),
            status=d["row"]["status"],
        )
        for e_id, d in zip(ids, drafts, strict=True)
    ]


def _seed_value(seed: int, tenant_index: int) -> float:
    """A PostgreSQL ``setseed`` argument in [-1, 1) derived from the seed and tenant."""
    mixed = random.Random(f"auditdesk-demo-sql:{seed}:{tenant_index}").random()
    return mixed * 2 - 1


# Step 1: families (an original and its chain of repeats) with their random draws.
_FAMILIES_SQL = """
CREATE TEMP TABLE demo_family ON COMMIT DROP AS
SELECT f AS family,
       size,
       auditee,
       -- families with repeats start early enough to move to later engagements
       1 + floor(r_seq * greatest(1, started[auditee] - size + 1))::int AS root_seq,
       1 + floor(r_title * :n_titles)::int AS title_ix,
       1 + floor(r_process * 3)::int AS process_ix
FROM (
    SELECT f,
           CASE WHEN r_size < 0.100 THEN
                CASE WHEN r_len < 0.55 THEN 2 WHEN r_len < 0.80 THEN 3
                     WHEN r_len < 0.92 THEN 4 WHEN r_len < 0.97 THEN 5 ELSE 6 END
                ELSE 1 END AS size,
           1 + floor(r_auditee * :n_auditees)::int AS auditee,
           r_seq, r_title, r_process,
           CAST(:started AS int[]) AS started
    FROM (
        SELECT f, random() AS r_size, random() AS r_len, random() AS r_auditee,
               random() AS r_seq, random() AS r_title, random() AS r_process
        FROM generate_series(1, :families) AS f
    ) AS draws
) AS sized
"""

# Step 2: one row per finding, cut to exactly :count, with the per-finding draws.
_MEMBERS_SQL = """
CREATE TEMP TABLE demo_member ON COMMIT DROP AS
SELECT m.family, m.k, m.auditee, m.root_seq, m.title_ix, m.process_ix,
       random() AS r_day, random() AS r_sev, random() AS r_draft, random() AS r_ext,
       random() AS r_ext_days, random() AS r_res, random() AS r_res_frac,
       random() AS r_state, random() AS r_hour, random() AS r_owner,
       1 + floor(random() * 2)::int AS criteria_ix,
       1 + floor(random() * 2)::int AS condition_ix,
       1 + floor(random() * 5)::int AS cause_ix,
       1 + floor(random() * 5)::int AS effect_ix,
       1 + floor(random() * 2)::int AS recommendation_ix,
       1 + floor(random() * 4)::int AS response_ix,
       25 + floor(random() * 40)::int AS sample_size,
       1 + floor(random() * 9)::int AS exceptions,
       (ARRAY[15, 30, 45, 60])[1 + floor(random() * 4)::int] AS days
FROM (
    SELECT fam.family, k, fam.auditee, fam.root_seq, fam.title_ix, fam.process_ix,
           fam.first_position + k AS position
    FROM (
        SELECT *, coalesce(sum(size) OVER (ORDER BY family
                              ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0)
                  AS first_position
        FROM demo_family
    ) AS fam
    CROSS JOIN LATERAL generate_series(1, fam.size) AS k
    WHERE fam.first_position < :count
    ORDER BY fam.family, k
) AS m
WHERE m.position <= :count
"""

_ENGAGEMENTS_SQL = """
CREATE TEMP TABLE demo_engagement (
    auditee int, seq int, id bigint, start_day date, window_end date, status text,
    PRIMARY KEY (auditee, seq)
) ON COMMIT DROP
"""

# Step 3: dates, statuses and texts; refs numbered in order of identification.
_INSERT_SQL = """
INSERT INTO observation (
    tenant_id, id, ref, title, criteria, condition, cause, effect, recommendation,
    management_response, severity, status, owner_id, identified_on, due_date,
    original_due_date, closed_at, engagement_id, repeat_of_id, created_at, updated_at)
SELECT :tenant, :base + n,
       'OBS-' || CASE WHEN n < 1000000 THEN lpad(n::text, 6, '0') ELSE n::text END,
       format(titles[title_ix], process, system, auditee_name),
       format(criteria[2 * theme - 2 + criteria_ix], process, system, auditee_name, sample_size, exceptions, days),
       format(conditions[2 * theme - 2 + condition_ix], process, system, auditee_name, sample_size, exceptions, days),
       format(causes[cause_ix], process, system, auditee_name),
       format(effects[effect_ix], process, system, auditee_name),
       format(recommendations[2 * theme - 2 + recommendation_ix], process, system, auditee_name,
              sample_size, exceptions, days),
       CASE WHEN status = 'draft' THEN ''
            ELSE format(responses[response_ix], process, system, auditee_name) END,
       severity, status, owner_id, identified_on, due_date, original_due_date,
       CASE WHEN status IN ('closed', 'risk_accepted')
            THEN resolved_on + make_interval(mins => (480 + floor(r_hour * 600))::int)
       END,
       engagement_id,
       CASE WHEN k > 1 THEN :base + lag(n) OVER (PARTITION BY family ORDER BY k) END,
       identified_on + time '09:00' + make_interval(mins => (floor(r_hour * 480))::int),
       coalesce(resolved_on, identified_on) + time '09:00'
           + make_interval(mins => (floor(r_hour * 480))::int)
FROM (
    SELECT s.*,
           CASE WHEN status IN ('closed', 'risk_accepted') THEN resolve_candidate END
               AS resolved_on,
           row_number() OVER (ORDER BY identified_on, family, k) AS n
    FROM (
        SELECT d.*,
               CASE WHEN is_draft THEN 'draft'
                    WHEN resolve_candidate < :today THEN
                        CASE WHEN r_state < 0.05 THEN 'risk_accepted' ELSE 'closed' END
                    WHEN r_state < 0.40 THEN 'open'
                    WHEN r_state < 0.85 THEN 'in_remediation'
                    ELSE 'pending_validation' END AS status
        FROM (
            SELECT c.*,
                   original_due_date + extension AS due_date,
                   identified_on + CASE
                       WHEN r_res < 0.70 THEN ceil((due_days + extension) * (0.15 + 0.85 * r_res_frac))::int
                       WHEN r_res < 0.90 THEN due_days + extension + 1
                                              + floor(r_res_frac * (0.8 * due_days + 20))::int
                       ELSE 100000 END AS resolve_candidate
            FROM (
                SELECT b.*,
                       identified_on + due_days AS original_due_date,
                       CASE WHEN NOT is_draft AND r_ext < 0.12
                            THEN (ARRAY[30, 60, 90])[1 + floor(r_ext_days * 3)::int]
                            ELSE 0 END AS extension
                FROM (
                    SELECT a.*,
                           CASE severity WHEN 'critical' THEN 30 WHEN 'high' THEN 90
                                         WHEN 'medium' THEN 180 ELSE 365 END AS due_days
                    FROM (
                        SELECT m.family, m.k, m.title_ix, m.criteria_ix, m.condition_ix,
                               m.cause_ix, m.effect_ix, m.recommendation_ix, m.response_ix,
                               m.sample_size, m.exceptions, m.days,
                               m.r_ext, m.r_ext_days, m.r_res, m.r_res_frac, m.r_state, m.r_hour,
                               e.id AS engagement_id,
                               (CAST(:title_themes AS int[]))[m.title_ix] AS theme,
                               CASE WHEN m.r_sev < 0.05 THEN 'critical'
                                    WHEN m.r_sev < 0.25 THEN 'high'
                                    WHEN m.r_sev < 0.75 THEN 'medium'
                                    ELSE 'low' END AS severity,
                               e.status IN ('fieldwork', 'reporting') AND m.r_draft < 0.4
                                   AS is_draft,
                               -- strictly after the finding it repeats, where the
                               -- engagement's window leaves room
                               least(e.window_end,
                                     max(e.start_day - m.k
                                         + floor(m.r_day * (e.window_end - e.start_day + 1))::int)
                                         OVER (PARTITION BY m.family ORDER BY m.k) + m.k)
                                   AS identified_on,
                               (CAST(:owners AS bigint[]))[1 + floor(m.r_owner * :n_owners)::int]
                                   AS owner_id,
                               (CAST(:auditee_names AS text[]))[m.auditee] AS auditee_name,
                               (CAST(:systems AS text[]))[m.auditee] AS system,
                               (CAST(:processes AS text[]))[(m.auditee - 1) * 3 + m.process_ix]
                                   AS process
                        FROM demo_member AS m
                        JOIN demo_engagement AS e
                          ON e.auditee = m.auditee
                         AND e.seq = least(m.root_seq + m.k - 1,
                                           (CAST(:started AS int[]))[m.auditee])
                    ) AS a
                ) AS b
            ) AS c
        ) AS d
    ) AS s
) AS o,
LATERAL (SELECT CAST(:titles AS text[]) AS titles,
                CAST(:criteria AS text[]) AS criteria,
                CAST(:conditions AS text[]) AS conditions,
                CAST(:causes AS text[]) AS causes,
                CAST(:effects AS text[]) AS effects,
                CAST(:recommendations AS text[]) AS recommendations,
                CAST(:responses AS text[]) AS responses) AS t
ORDER BY n
"""


def _drop_secondary_indexes(connection: Connection) -> list[str]:
    """Drop the indexes of ``observation`` that back no constraint; return the statements
    that create them again. Building an index once after a bulk insert is several times
    faster than maintaining it row by row (the trigram index above all)."""
    rows = connection.execute(
        text(
            """
            SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid)
              FROM pg_index AS i
             WHERE i.indrelid = 'observation'::regclass
               AND NOT EXISTS (SELECT 1 FROM pg_constraint AS c WHERE c.conindid = i.indexrelid)
             ORDER BY 1
            """
        )
    ).all()
    for name, _ in rows:
        connection.execute(text(f"DROP INDEX {name}"))  # regclass text is already quoted
    return [definition for _, definition in rows]


def _insert_observations(
    connection: Connection,
    tenant_id: int,
    seed: int,
    tenant_index: int,
    count: int,
    users: list[_User],
    auditees: list[_Auditee],
    plan: list[_PlannedEngagement],
    today: date,
    report: Progress,
) -> int:
    if count == 0:
        return 0
    # Only engagements that have started can hold findings; seq counts those per auditee.
    started: list[int] = []
    for a_index in range(1, len(auditees) + 1):
        started.append(
            sum(1 for e in plan if e.auditee == a_index and e.start <= today)
        )
    if min(started) == 0:
        raise AuditDeskError("Every demo auditee needs an engagement that has started.")
    owners = [u.id for u in users if u.role in ("auditor", "manager")]
    connection.execute(text("SELECT setseed(:s)"), {"s": _seed_value(seed, tenant_index)})
    connection.execute(
        text(_FAMILIES_SQL),
        {
            "families": count,
            "n_titles": len(TITLE_TEMPLATES),
            "n_auditees": len(auditees),
            "started": started,
        },
    )
    connection.execute(text(_MEMBERS_SQL), {"count": count})
    connection.execute(text(_ENGAGEMENTS_SQL))
    connection.execute(
        text(
            "INSERT INTO demo_engagement (auditee, seq, id, start_day, window_end, status) "
            "VALUES (:auditee, :seq, :id, :start, :window_end, :status)"
        ),
        [
            {
                "auditee": e.auditee,
                "seq": e.seq,
                "id": e.id,
                "start": e.start,
                "window_end": e.window_end,
                "status": e.status,
            }
            for e in plan
            if e.start <= today
        ],
    )
    connection.execute(text("ANALYZE demo_member"))
    # Reserve a block of ids: explicit ids let repeats point to rows of the same insert.
    connection.execute(text("LOCK TABLE observation IN SHARE ROW EXCLUSIVE MODE"))
    sequence = connection.execute(
        text("SELECT pg_get_serial_sequence('observation', 'id')")
    ).scalar_one()
    base = connection.execute(
        text("SELECT greatest(nextval(CAST(:seq AS regclass)) - 1, (SELECT coalesce(max(id), 0) FROM observation))"),
        {"seq": sequence},
    ).scalar_one()
    bulk = count > BULK_THRESHOLD
    rebuild: list[str] = []
    if bulk:
        report("  (observation triggers and secondary indexes paused for the bulk insert)")
        connection.execute(text("ALTER TABLE observation DISABLE TRIGGER USER"))
        rebuild = _drop_secondary_indexes(connection)
    params = {
        "tenant": tenant_id,
        "base": base,
        "today": today,
        "owners": owners,
        "n_owners": len(owners),
        "started": started,
        "auditee_names": [a.name for a in auditees],
        "systems": [a.system for a in auditees],
        "processes": [p for a in auditees for p in a.processes],
        "titles": list(TITLE_TEMPLATES),
        "title_themes": list(TITLE_THEMES),
        "criteria": list(CRITERIA_TEMPLATES),
        "conditions": list(CONDITION_TEMPLATES),
        "causes": list(CAUSE_TEMPLATES),
        "effects": list(EFFECT_TEMPLATES),
        "recommendations": list(RECOMMENDATION_TEMPLATES),
        "responses": list(RESPONSE_TEMPLATES),
    }
    inserted = connection.execute(text(_INSERT_SQL), params).rowcount
    if bulk:
        # The paused triggers also keep the stored recurrence: compute it set-based here.
        connection.execute(text(_RECURRENCE_SQL), {"tenant": tenant_id})
        connection.execute(text("ALTER TABLE observation ENABLE TRIGGER USER"))
        report(f"  rebuilding {len(rebuild)} indexes")
        connection.execute(text("SET LOCAL maintenance_work_mem = '256MB'"))
        for definition in rebuild:
            connection.execute(text(definition))
        connection.execute(text("ANALYZE observation"))
    if inserted != count:
        raise AuditDeskError(f"Demo data: expected {count} observations, inserted {inserted}.")
    connection.execute(text("SELECT setval(CAST(:seq AS regclass), :last)"), {"seq": sequence, "last": base + count})
    connection.execute(
        insert(TenantCounterRow).values(tenant_id=tenant_id, name="observation", last_value=count)
    )
    for table in ("demo_family", "demo_member", "demo_engagement"):
        connection.execute(text(f"DROP TABLE {table}"))
    repeats = connection.execute(
        text(
            "SELECT count(*) FROM observation WHERE tenant_id = :tenant "
            "AND repeat_of_id IS NOT NULL"
        ),
        {"tenant": tenant_id},
    ).scalar_one()
    return int(repeats)
