"""The demo's text fixtures: auditees, people, tenants and the finding templates.

Data only, no code: the loaders in this package read these tuples. The templates are
``format()`` strings for PostgreSQL (``%1$s`` … ``%6$s``), filled inside the bulk insert
of ``bulk_sql.py``.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Auditee:
    name: str
    system: str
    processes: tuple[str, str, str]
    weight: int  # risk rating: high-risk units are audited more often


AUDITEES: tuple[Auditee, ...] = (
    Auditee("Treasury", "Kyriba", ("bank reconciliations", "cash forecasting", "FX hedging"), 3),
    Auditee("Procurement", "SAP Ariba", ("supplier onboarding", "purchase order approval", "three-way match"), 3),
    Auditee("IT General Controls", "Active Directory", ("user access reviews", "change management", "backup and restore"), 3),
    Auditee("Payroll", "Workday", ("payroll run approval", "employee master data changes", "overtime authorisation"), 2),
    Auditee("Accounts Payable", "SAP S/4HANA", ("invoice processing", "vendor payments", "duplicate payment checks"), 3),
    Auditee("Accounts Receivable", "SAP S/4HANA", ("credit limit approval", "collections follow-up", "credit note issuance"), 2),
    Auditee("General Ledger", "SAP S/4HANA", ("manual journal entries", "month-end close", "account reconciliations"), 2),
    Auditee("Tax", "Vertex", ("VAT return preparation", "transfer pricing documentation", "tax provision"), 2),
    Auditee("Human Resources", "Workday", ("joiner-mover-leaver process", "background screening", "performance review records"), 1),
    Auditee("Sales", "Salesforce", ("contract approval", "discount authorisation", "revenue cut-off"), 2),
    Auditee("Inventory Management", "Manhattan WMS", ("cycle counts", "stock write-offs", "goods receipt"), 2),
    Auditee("Fixed Assets", "SAP S/4HANA", ("asset capitalisation", "depreciation runs", "asset disposals"), 1),
    Auditee("Information Security", "CrowdStrike", ("vulnerability management", "privileged access", "security incident response"), 3),
    Auditee("Data Privacy", "OneTrust", ("data subject requests", "records of processing", "privacy impact assessments"), 2),
    Auditee("Facilities", "Archibus", ("physical access control", "maintenance contracts", "health and safety inspections"), 1),
    Auditee("Logistics", "Oracle Transportation Management", ("carrier selection", "freight invoice audit", "customs declarations"), 1),
    Auditee("Regulatory Compliance", "MetricStream", ("regulatory change monitoring", "compliance training", "breach reporting"), 2),
    Auditee("Business Continuity", "Fusion Risk", ("business impact analysis", "continuity plan testing", "crisis communication"), 1),
    Auditee("Expenses", "Concur", ("expense claim approval", "corporate card usage", "travel policy compliance"), 1),
    Auditee("Third-Party Risk", "Coupa Risk Assess", ("vendor due diligence", "contract monitoring", "outsourcing oversight"), 2),
    Auditee("Customer Service", "Zendesk", ("complaint handling", "refund approval", "service level reporting"), 1),
    Auditee("Marketing", "HubSpot", ("campaign spend approval", "agency contracts", "consent management"), 1),
    Auditee("Research and Development", "Jira", ("project capitalisation", "grant compliance", "time recording"), 1),
    Auditee("Legal", "iManage", ("contract repository", "litigation reserves", "power of attorney register"), 1),
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
