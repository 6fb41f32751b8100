"""From parsed rows to decisions: which rows create, update or leave a finding alone,
and why a row is rejected — the checks that need the database (refs stored here or in
another organisation, engagement codes, people, repeat-of targets and cycles).

Each accepted row becomes a validated ``ObservationDraft`` (the same rules as a save in
the editor), compared with the stored finding field by field.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from auditdesk.data import observation_import as store
from auditdesk.data.tenants import tenant_today
from auditdesk.domain.drafts import LONG_TEXT_FIELDS, EngagementDraft, ObservationDraft
from auditdesk.domain.enums import ObservationStatus
from auditdesk.domain.errors import AuditDeskError, ValidationError
from auditdesk.domain.importing.fields import label
from auditdesk.domain.importing.rows import ParsedRow, RowProblem, cycle_through
from auditdesk.domain.records import Actor
from auditdesk.domain.transitions import check_close_without_validation, check_transition
from auditdesk.services.importing.plan import ReadFile

IMPORTED_AUDITEE = "Not recorded (imported)"


NEW_RISK_ACCEPTED = (
    "a new finding cannot be imported as risk accepted (an acceptance needs an expiry date "
    "and a justification); import it as open, then accept the risk in AuditDesk"
)
REIMPORT_RISK_ACCEPTED = (
    "an import cannot accept a risk (an acceptance needs an expiry date and a "
    "justification); accept it in AuditDesk, where both are asked for"
)

#: Why a finding imported as closed was closed without a validation here (the database
#: asks a reason of every such close).
IMPORTED_CLOSED = "Imported as closed: validated before it was recorded in AuditDesk."


def closed_by_import(file_name: str) -> str:
    """The closure reason of a stored finding that an imported sheet marks closed."""
    return f"Closed by the import of {file_name}."


def extended_by_import(file_name: str) -> str:
    """The reason recorded when an imported sheet moves a due date later."""
    return f"Due date moved later by the import of {file_name}."


@dataclass
class Decision:
    row: ParsedRow
    action: str  # create / update / unchanged / rejected
    draft: ObservationDraft | None = None
    stored: store.StoredFinding | None = None
    engagement_code: str | None = None  # a code to create before writing
    repeat_ref: str | None = None  # the repeat-of target by ref (ids are known at write time)
    changed: tuple[str, ...] = ()
    owner_name: str | None = None


@dataclass
class Resolution:
    decisions: list[Decision] = field(default_factory=list)
    new_engagements: set[str] = field(default_factory=set)
    stored: dict[str, store.StoredFinding] = field(default_factory=dict)


def _header(read: ReadFile, field_name: str) -> str:
    assert read.mapping is not None
    column = read.mapping.column_of(field_name)
    return read.mapping.headers[column] if column is not None else label(field_name)


class _People:
    def __init__(self, rows: list[tuple[int, str, str]]):
        self.by_email = {email.lower(): (uid, name) for uid, email, name in rows}
        self.by_name: dict[str, list[tuple[int, str]]] = {}
        for uid, _email, name in rows:
            self.by_name.setdefault(name.casefold(), []).append((uid, name))

    def find(self, text: str) -> tuple[int, str]:
        if "@" in text:
            found = self.by_email.get(text.lower())
            if found is None:
                raise AuditDeskError(f"nobody in this organisation has the e-mail {text}")
            return found
        named = self.by_name.get(text.casefold(), [])
        if not named:
            raise AuditDeskError(f"nobody in this organisation is called '{text}'; use a name or e-mail of a user")
        if len(named) > 1:
            raise AuditDeskError(f"{len(named)} users are called '{text}'; use the e-mail instead")
        return named[0]


def resolve_rows(session: Session, actor: Actor, read: ReadFile, create_engagements: bool,
            today: date | None = None) -> Resolution:
    tenant = actor.tenant_id
    on_the_day: date = today or tenant_today(session, tenant)  # the tenant's clock
    file_refs = {r.ref for r in read.rows if r.ref}
    targets = {r.repeat_of for r in read.rows if r.repeat_of}
    result = Resolution(stored=store.stored_by_ref(session, tenant, file_refs | targets))
    elsewhere = store.refs_of_other_tenants(session, tenant, file_refs - set(result.stored))
    codes = store.engagement_ids(session, tenant)
    people = _People(store.people(session, tenant))
    for row in read.rows:
        decision = Decision(row, "rejected")
        if row.number not in read.problems:
            problems = _decide(decision, read, result, codes, people, elsewhere,
                               create_engagements, actor, on_the_day)
            read.add(problems)
        result.decisions.append(decision)
    _check_lineage(session, tenant, read, result)
    return result


def _decide(d: Decision, read: ReadFile, result: Resolution, codes: dict[str, int],
            people: _People, elsewhere: set[str], create_engagements: bool, actor: Actor,
            today: date) -> list[RowProblem]:
    row, values, number = d.row, d.row.values, d.row.number
    problems: list[RowProblem] = []
    stored = result.stored.get(row.ref) if row.ref else None
    if row.ref and stored is None and row.ref in elsewhere:
        return [RowProblem(number, _header(read, "ref"),
                           f"{row.ref} belongs to another organisation; remove the ref to "
                           "import the row as a new finding here")]
    base: dict[str, Any] = dict(stored.values) if stored else {"status": ObservationStatus.OPEN}
    fields: dict[str, Any] = {k: base.get(k) for k in ("title", "severity", "status",
                              "identified_on", "due_date", "original_due_date", "owner_id",
                              "engagement_id", "repeat_of_id")}
    fields.update({k: base.get(k) or "" for k in LONG_TEXT_FIELDS})
    for name in ("title", "severity", "identified_on", *LONG_TEXT_FIELDS):
        if name in values:
            fields[name] = values[name]
    for name in ("status", "due_date", "original_due_date"):
        if name in values and (values[name] or name != "status"):
            fields[name] = values[name]
    if "engagement" in values:
        code = str(values["engagement"] or "") or None
        fields["engagement_id"] = codes.get(code) if code else None
        if code and code not in codes:
            if not create_engagements:
                problems.append(RowProblem(number, _header(read, "engagement"),
                    f"there is no engagement {code}; create it first, or let the import create "
                    "missing engagements"))
            else:
                try:
                    EngagementDraft(code, code, IMPORTED_AUDITEE).validated()
                except ValidationError as error:
                    problems.append(RowProblem(number, _header(read, "engagement"),
                                               f"'{code}': {error.problems.get('code', error)}"))
                d.engagement_code = code
    if "owner" in values or "owner_email" in values:
        # The e-mail, when given, names one person for sure; else the name.
        source = "owner_email" if values.get("owner_email") else "owner"
        fields["owner_id"] = None
        if values.get(source):
            try:
                fields["owner_id"], d.owner_name = people.find(str(values[source]))
            except AuditDeskError as error:
                problems.append(RowProblem(number, _header(read, source), str(error)))
    if "repeat_of" in values:
        d.repeat_ref = row.repeat_of
    elif stored is not None:
        d.repeat_ref = stored.repeat_of_ref
    if problems:
        return problems
    if stored is not None:
        fields["original_due_date"] = fields["original_due_date"] or stored.values["original_due_date"]
    draft = ObservationDraft(**{k: v for k, v in fields.items() if k != "repeat_of_id"})
    try:
        day = today
        draft = draft.validated(max(day, stored.identified_on) if stored else day)
    except ValidationError as error:
        return [RowProblem(number, _header(read, name), message)
                for name, message in error.problems.items()]
    status = ObservationStatus(draft.status)
    entering = stored is None or status != stored.values["status"]
    if entering and status is ObservationStatus.RISK_ACCEPTED:
        # an acceptance needs an expiry and a justification, which a sheet does not carry
        message = NEW_RISK_ACCEPTED if stored is None else REIMPORT_RISK_ACCEPTED
        return [RowProblem(number, _header(read, "status"), message)]
    try:
        if stored is not None and entering:
            check_transition(ObservationStatus(stored.values["status"]), status, actor.role)
        if status is ObservationStatus.CLOSED and entering:
            check_close_without_validation(actor.role)  # not validated here: closed by the sheet
    except AuditDeskError as error:
        return [RowProblem(number, _header(read, "status"), str(error))]
    if stored is not None:
        # What the editor asks for in a dialog, a sheet says by being imported.
        draft = replace(draft, closure_reason=closed_by_import(read.file_name),
                        due_date_extension_reason=extended_by_import(read.file_name))
    d.draft, d.stored = draft, stored
    if stored is None:
        d.action = "create"
        if d.engagement_code:
            result.new_engagements.add(d.engagement_code)
        return []
    d.changed = tuple(
        name for name in store.COMPARED
        if name != "repeat_of_id" and getattr(draft, name) != stored.values[name]
    )
    if (d.repeat_ref or None) != (stored.repeat_of_ref or None):
        d.changed += ("repeat_of_id",)
    if d.engagement_code:
        d.changed += ("engagement_id",)
        result.new_engagements.add(d.engagement_code)
    d.action = "update" if d.changed else "unchanged"
    return []


def _check_lineage(session: Session, tenant_id: int, read: ReadFile, result: Resolution) -> None:
    """Repeat-of targets exist, were identified no later, and make no cycle."""
    in_file = {d.row.ref: d for d in result.decisions if d.row.ref}
    column = _header(read, "repeat_of")

    def identified(ref: str) -> date | None:
        if ref in in_file and in_file[ref].draft is not None:
            return in_file[ref].draft.identified_on  # type: ignore[union-attr]
        stored = result.stored.get(ref)
        return stored.identified_on if stored else None

    def parent_of(ref: str) -> str | None:
        if ref in in_file:
            return in_file[ref].repeat_ref
        stored = result.stored.get(ref)
        if stored is None:  # further up a stored chain: asked one at a time, seldom
            result.stored.update(store.stored_by_ref(session, tenant_id, [ref]))
            stored = result.stored.get(ref)
        return stored.repeat_of_ref if stored else None

    good: set[str] = set()
    for d in result.decisions:
        target = d.repeat_ref
        if d.action == "rejected" or not target or "repeat_of" not in d.row.values:
            continue
        number = d.row.number
        problem = None
        if target not in in_file and target not in result.stored:
            problem = f"{target} is neither in this file nor a finding of this organisation"
        elif target == d.row.ref:
            problem = f"{target} cannot be a repeat of itself"
        else:
            when = identified(target)
            mine = d.draft.identified_on if d.draft else None
            if when and mine and when > mine:
                problem = (f"{target} was identified later ({when:%Y-%m-%d}) than this finding "
                           f"({mine:%Y-%m-%d}), so this cannot repeat it")
            elif d.row.ref and (loop := cycle_through(d.row.ref, parent_of, good)):
                problem = "the repeat-of links make a cycle: " + " → ".join(loop)
        if problem:
            read.add([RowProblem(number, column, problem)])
            d.action, d.draft = "rejected", None


def reject_dependants(read: ReadFile, result: Resolution) -> None:
    """With "valid rows only": a row that repeats a rejected row of the file is rejected too."""
    by_ref = {d.row.ref: d for d in result.decisions if d.row.ref}
    column = _header(read, "repeat_of")
    changed = True
    while changed:
        changed = False
        for d in result.decisions:
            target = by_ref.get(d.repeat_ref) if d.repeat_ref else None
            if d.action != "rejected" and target is not None and target.action == "rejected":
                read.add([RowProblem(d.row.number, column,
                                     f"repeats {target.row.ref} (row {target.row.number}), "
                                     "which is rejected")])
                d.action, d.draft, changed = "rejected", None, True
