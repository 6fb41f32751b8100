"""Importing findings against the real database: create, update, idempotence, one
transaction, and every bad input refused with a message and nothing written."""

from __future__ import annotations

import csv
from datetime import date, timedelta
from pathlib import Path

import factories as f
import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import text

from auditdesk.domain.enums import Role
from auditdesk.domain.importing.values import DayOrder
from auditdesk.services import importing
from auditdesk.services import observations as observation_service
from auditdesk.services.importing import ImportOptions

HEADERS = ["Finding ID", "Issue title", "Risk rating", "Status", "Date raised", "Target date",
           "Engagement", "Action owner", "Repeat of", "Description"]


def xlsx(path: Path, rows, headers=HEADERS, sheet="Findings") -> Path:
    book = Workbook()
    ws = book.active
    ws.title = sheet
    ws.append(headers)
    for row in rows:
        ws.append(row)
    book.save(path)
    return path


def write_csv(path: Path, rows, headers=HEADERS, encoding="utf-8", delimiter=",") -> Path:
    with path.open("w", encoding=encoding, newline="") as handle:
        out = csv.writer(handle, delimiter=delimiter)
        out.writerow(headers)
        out.writerows(rows)
    return path


def counts(database) -> tuple[int, int]:
    with database.engine.connect() as c:
        return (c.execute(text("SELECT count(*) FROM observation")).scalar_one(),
                c.execute(text("SELECT count(*) FROM audit_log")).scalar_one())


@pytest.fixture
def world(database):
    with database.sessions.begin() as s:
        t = f.tenant(s)
        boss = f.user(s, t.id, Role.MANAGER, name="Mia Manager")
        who = f.actor(t, boss)
        f.engagement(s, who, code="ENG-2026-001")
    return t, who, boss


def rows_2026():
    return [
        ["F-1", "Payments approved without a second signature", "H", "Open", date(2026, 1, 10),
         date(2026, 4, 10), "ENG-2026-001", "Mia Manager", None, "No dual control"],
        ["F-2", "Second signature still missing", "High risk", "In progress", "15/02/2026",
         "31 Dec 2026", "ENG-2026-001", None, "F-1", "Again"],
        ["F-3", "Vendor master changes not reviewed", "Medium", "Closed - validated",
         "2026-03-01", None, None, None, None, ""],
    ]


def test_import_creates_then_a_second_import_changes_nothing(database, world, tmp_path):
    tenant, who, boss = world
    path = xlsx(tmp_path / "history.xlsx", rows_2026())
    with database.sessions.begin() as s:
        preview = importing.plan(s, who, path)
    assert (preview.created, preview.updated, preview.unchanged, preview.problems) == (3, 0, 0, ())
    assert preview.preview[1].values["Repeat of"] == "F-1"
    assert counts(database)[0] == 0  # a preview writes nothing
    with database.sessions.begin() as s:
        done = importing.apply(s, who, path).value
    assert done.written and len(done.observation_ids) == 3
    with database.sessions.begin() as s:
        second = observation_service.get_by_ref(s, tenant.id, "F-2")
        first = observation_service.get_by_ref(s, tenant.id, "F-1")
    assert second.repeat_of_ref == "F-1" and second.identified_on == date(2026, 2, 15)
    assert second.due_date == date(2026, 12, 31) and first.owner_name == "Mia Manager"
    assert first.engagement_code == "ENG-2026-001"
    before = counts(database)
    with database.sessions.begin() as s:
        again = importing.apply(s, who, path).value
    assert (again.plan.created, again.plan.updated, again.plan.unchanged) == (0, 0, 3)
    assert counts(database) == before  # not even an audit entry


def test_a_changed_row_updates_only_that_finding_with_the_audit_trail(database, world, tmp_path):
    tenant, who, _ = world
    xlsx(tmp_path / "a.xlsx", rows_2026())
    with database.sessions.begin() as s:
        importing.apply(s, who, tmp_path / "a.xlsx")
    changed = rows_2026()
    changed[2][1] = "Vendor master changes never reviewed"
    xlsx(tmp_path / "b.xlsx", changed)
    _, audit_before = counts(database)
    with database.sessions.begin() as s:
        done = importing.apply(s, who, tmp_path / "b.xlsx").value
    assert (done.plan.created, done.plan.updated, done.plan.unchanged) == (0, 1, 2)
    with database.sessions.begin() as s:
        third = observation_service.get_by_ref(s, tenant.id, "F-3")
    assert third.title == "Vendor master changes never reviewed" and third.version == 2
    with database.engine.connect() as c:
        entries = c.execute(text("SELECT action FROM audit_log WHERE row_id = :id AND table_name = "
                                 "'observation' ORDER BY id"), {"id": third.id}).scalars().all()
    assert entries == ["insert", "update"]
    assert counts(database)[1] == audit_before + 1


def test_a_finding_saved_after_the_preview_is_a_conflict(database, world, tmp_path):
    """The import plans again inside its transaction, with the versions it reads there."""
    tenant, who, _ = world
    xlsx(tmp_path / "a.xlsx", rows_2026())
    with database.sessions.begin() as s:
        importing.apply(s, who, tmp_path / "a.xlsx")
        stored = observation_service.get_by_ref(s, tenant.id, "F-3")
    from auditdesk.services.importing import resolve as resolve_module
    from auditdesk.services.importing.plan import read_file

    changed = rows_2026()
    changed[2][1] = "Changed title"
    xlsx(tmp_path / "b.xlsx", changed)
    with database.sessions.begin() as s:
        read = read_file(tmp_path / "b.xlsx", ImportOptions())
        resolution = resolve_module.resolve_rows(s, who, read, False)
    with database.sessions.begin() as s:  # someone saves meanwhile
        draft = observation_service.draft_of(stored)
        from dataclasses import replace
        observation_service.update(s, who, stored.id, replace(draft, title="Someone else"), stored.version)
    from auditdesk.domain.errors import ConflictError
    from auditdesk.services.importing.write import write

    with pytest.raises(ConflictError), database.sessions.begin() as s:
        write(s, who, resolution, lambda done: None)


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1252"])
@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
def test_csv_in_every_encoding_and_delimiter(database, world, tmp_path, encoding, delimiter):
    tenant, who, _ = world
    rows = [["F-9", "Caf\u00e9 float \u20ac counted by one person", "L", "Open", "2026-01-05", "",
             "", "", "", "Kassenbestand \u00fcberpr\u00fcft"]]
    path = write_csv(tmp_path / "f.csv", rows, encoding=encoding, delimiter=delimiter)
    with database.sessions.begin() as s:
        done = importing.apply(s, who, path).value
    assert done.written, done.plan.problems
    with database.sessions.begin() as s:
        found = observation_service.get_by_ref(s, tenant.id, "F-9")
    assert found.title == "Caf\u00e9 float \u20ac counted by one person"
    assert found.condition == "Kassenbestand \u00fcberpr\u00fcft"


def test_day_order_is_chosen_or_detected_never_guessed(database, world, tmp_path):
    _, who, _ = world
    rows = [["F-1", "A", "H", "Open", "03/04/2026", "", "", "", "", ""]]
    path = write_csv(tmp_path / "f.csv", rows)
    with database.sessions.begin() as s:
        unsure = importing.plan(s, who, path)
        chosen = importing.plan(s, who, path, ImportOptions(day_order=DayOrder.MONTH_FIRST))
    assert unsure.needs_day_order and unsure.created == 0
    assert unsure.problems[0].row == 2 and unsure.problems[0].column == "Date raised"
    assert chosen.created == 1 and chosen.preview[0].values["Identified"] == "2026-03-04"
    rows.append(["F-2", "B", "H", "Open", "25/04/2026", "", "", "", "", ""])
    with database.sessions.begin() as s:
        detected = importing.plan(s, who, write_csv(tmp_path / "g.csv", rows))
    assert detected.day_order is DayOrder.DAY_FIRST and detected.day_order_detected
    assert detected.preview[0].values["Identified"] == "2026-04-03"


def _refused(database, who, path, options=ImportOptions()):
    before = counts(database)
    with database.sessions.begin() as s:
        result = importing.apply(s, who, path, options).value
    assert not result.written
    assert counts(database) == before
    return result.plan.problems


def test_bad_files_are_refused_with_one_message(database, world, tmp_path):
    _, who, _ = world
    (tmp_path / "photo.xlsx").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4)
    (tmp_path / "broken.xlsx").write_bytes(b"PK\x03\x04 this is no workbook")
    (tmp_path / "locked.xlsx").write_bytes(
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100 + "EncryptedPackage".encode("utf-16-le"))
    empty = Workbook()
    empty.save(tmp_path / "empty.xlsx")
    dup = xlsx(tmp_path / "dup.xlsx", rows_2026(), headers=[*HEADERS[:-1], "Issue title"])
    messages = {
        "photo.xlsx": "is not an Excel workbook (.xlsx) or a CSV file",
        "broken.xlsx": "is not an Excel workbook (.xlsx) that can be read",
        "locked.xlsx": "is protected by a password",
        "empty.xlsx": "is empty; there is nothing to import",
        "dup.xlsx": "both have the header 'Issue title'",
    }
    for name, message in messages.items():
        problems = _refused(database, who, tmp_path / name)
        assert len(problems) == 1, problems
        assert problems[0].row == 0 and message in problems[0].message, (name, problems)
    missing = _refused(database, who, tmp_path / "nothing.csv")
    assert "there is no such file" in missing[0].message
    wrong_sheet = _refused(database, who, dup, ImportOptions(sheet="Other"))
    assert "has no sheet 'Other'" in wrong_sheet[0].message


def test_bad_rows_each_get_row_column_and_message_and_nothing_is_written(database, world, tmp_path):
    tenant, who, _ = world
    with database.sessions.begin() as s:
        other = f.tenant(s)
        f.observation(s, f.actor(other))  # OBS-000001 in another organisation
    rows = [
        ["F-1", "Fine row", "H", "Open", "2026-01-01", "", "", "", "", ""],
        ["F-1", "Same ref again", "H", "Open", "2026-01-02", "", "", "", "", ""],
        ["OBS-000001", "Another tenant's ref", "H", "Open", "2026-01-03", "", "", "", "", ""],
        ["F-4", "Cycle one", "H", "Open", "2026-01-04", "", "", "", "F-5", ""],
        ["F-5", "Cycle two", "H", "Open", "2026-01-04", "", "", "", "F-4", ""],
        ["F-6", "x" * 201, "H", "Open", "2026-01-05", "", "", "", "", ""],
        ["F-7", "Too old", "H", "Open", "1899-12-31", "", "", "", "", ""],
        ["F-8", "Too new", "H", "Open", "2026-01-01", "2101-01-01", "", "", "", ""],
        ["F-9", "Unknown engagement", "H", "Open", "2026-01-01", "", "NOPE-1", "", "", ""],
        ["F-10", "Unknown owner", "H", "Open", "2026-01-01", "", "", "nobody@example.org", "", ""],
        ["F-11", "Bad severity", "Purple", "Open", "2026-01-01", "", "", "", "", ""],
        ["F-12", "Repeats the future", "H", "Open", "2026-01-01", "", "", "", "F-13", ""],
        ["F-13", "Later", "H", "Open", "2026-02-01", "", "", "", "", ""],
        ["F-14", "", "H", "Open", "2026-02-01", "", "", "", "", ""],
    ]
    problems = _refused(database, who, xlsx(tmp_path / "bad.xlsx", rows))
    found = {(p.row, p.column): p.message for p in problems}
    expect = {
        (3, "Finding ID"): "F-1 is also on row 2",
        (4, "Finding ID"): "belongs to another organisation",
        (5, "Repeat of"): "make a cycle",
        (7, "Issue title"): "at most 200 fit",
        (8, "Date raised"): "outside the years 1900 to 2100",
        (9, "Target date"): "outside the years 1900 to 2100",
        (10, "Engagement"): "there is no engagement NOPE-1",
        (11, "Action owner"): "nobody in this organisation has the e-mail nobody@example.org",
        (12, "Risk rating"): "'Purple' is not a severity",
        (13, "Repeat of"): "was identified later",
        (15, "Issue title"): "Title is required",
    }
    for where, message in expect.items():
        assert message in found.get(where, ""), (where, found)
    assert "Traceback" not in str(problems)


def test_valid_rows_only_writes_them_and_the_rejected_rows_to_a_workbook(database, world, tmp_path):
    tenant, who, _ = world
    rows = [
        ["F-1", "Fine", "H", "Open", "2026-01-01", "", "", "", "", ""],
        ["F-2", "Bad date", "H", "Open", "31/02/2026", "", "", "", "", ""],
        ["F-3", "Repeats the bad one", "H", "Open", "2026-03-01", "", "", "", "F-2", ""],
        ["F-4", "New engagement", "L", "Open", "2026-01-01", "", "eng-new-7", "", "", ""],
    ]
    errors = tmp_path / "rejected.xlsx"
    options = ImportOptions(valid_rows_only=True, create_engagements=True)
    with database.sessions.begin() as s:
        done = importing.apply(s, who, xlsx(tmp_path / "f.xlsx", rows), options, errors_to=errors).value
    assert done.written and done.plan.created == 2 and done.plan.rejected_rows == 2
    with database.sessions.begin() as s:
        assert observation_service.get_by_ref(s, tenant.id, "F-4").engagement_code == "ENG-NEW-7"
    sheet = load_workbook(errors).active
    table = list(sheet.iter_rows(values_only=True))
    assert table[0][-2:] == ("Problems", "Row in the original file")
    assert [r[0] for r in table[1:]] == ["F-2", "F-3"]
    assert "not a date in the calendar" in table[1][-2] and table[2][-1] == 4
    assert "repeats F-2 (row 3), which is rejected" in table[2][-2]


def test_merged_headers_empty_rows_and_formulas(database, world, tmp_path):
    _, who, _ = world
    book = Workbook()
    ws = book.active
    ws.append([])
    ws.append(["Ref", "Title", "Severity", "Identified", "Dates", None])
    ws.merge_cells("E2:F2")
    ws.append(["F-1", "One", "H", "2026-01-01", "x", "y"])
    ws.append([])
    ws.append(["F-2", "=A3&\" again\"", "L", "2026-01-02", None, None])
    book.save(tmp_path / "m.xlsx")
    with database.sessions.begin() as s:
        planned = importing.plan(s, who, tmp_path / "m.xlsx")
    assert planned.mapping.unmapped == ("Dates", "column F (no header)")
    assert planned.rows_read == 2 and planned.created == 1
    assert [(p.row, p.column) for p in planned.problems] == [(5, "Title")]
    assert "formula whose result was never saved" in planned.problems[0].message


def test_repeat_of_a_finding_already_in_the_database(database, world, tmp_path):
    tenant, who, _ = world
    with database.sessions.begin() as s:
        earlier = f.observation(s, who, identified_on=date.today() - timedelta(days=400))
    rows = [["F-1", "Again", "H", "Open", date.today() - timedelta(days=10), "", "", "", earlier.ref, ""]]
    with database.sessions.begin() as s:
        importing.apply(s, who, xlsx(tmp_path / "r.xlsx", rows))
    with database.sessions.begin() as s:
        assert observation_service.get_by_ref(s, tenant.id, "F-1").repeat_of_ref == earlier.ref


def test_closed_and_risk_accepted_rows_follow_the_remediation_rules(database, world, tmp_path):
    tenant, manager, _ = world
    with database.sessions.begin() as s:
        auditor = f.actor(tenant, f.user(s, tenant.id, Role.AUDITOR, name="Ari Auditor"))
    closed = [["H-1", "Stock counts not reconciled", "High", "Closed - validated", "2025-03-01",
               None, None, None, None, ""]]
    accepted = [["H-2", "Legacy system without vendor support", "High", "Risk accepted",
                 "2025-04-01", None, None, None, None, ""]]
    with database.sessions.begin() as s:
        by_auditor = importing.plan(s, auditor, xlsx(tmp_path / "c.xlsx", closed))
        risk = importing.plan(s, manager, xlsx(tmp_path / "r.xlsx", accepted))
    assert [(p.row, p.column) for p in by_auditor.problems] == [(2, "Status")]
    assert "manager or an admin" in by_auditor.problems[0].message
    assert "expiry" in risk.problems[0].message and "import it as open" in risk.problems[0].message
    assert counts(database)[0] == 0
    with database.sessions.begin() as s:
        done = importing.apply(s, manager, tmp_path / "c.xlsx").value
    assert done.written
    with database.sessions() as s:
        reason = s.execute(text("SELECT closure_reason FROM observation WHERE ref = 'H-1'")).scalar_one()
    assert reason.startswith("Imported as closed")


def test_a_reimport_that_closes_accepts_or_extends_follows_the_remediation_rules(
        database, world, tmp_path):
    """A sheet sent back with a finding closed, risk-accepted or given a later due date
    goes through the same rules as the editor; what a sheet cannot carry is said."""
    tenant, manager, _ = world
    with database.sessions.begin() as s:
        auditor = f.actor(tenant, f.user(s, tenant.id, Role.AUDITOR, name="Ari Auditor"))
    pending = ["R-1", "Stock counts not reconciled", "High", "Pending validation", "2026-01-05",
               "2026-04-05", None, None, None, ""]
    opened = ["R-2", "Legacy system without vendor support", "Medium", "Open", "2026-01-06",
              None, None, None, None, ""]
    with database.sessions.begin() as s:
        importing.apply(s, manager, xlsx(tmp_path / "a.xlsx", [pending, opened]))
    closed = [[*pending[:3], "Closed", *pending[4:]], opened]
    accepted = [pending, [*opened[:3], "Risk accepted", *opened[4:]]]
    later = [[*pending[:5], "2026-06-30", *pending[6:]], opened]
    with database.sessions.begin() as s:
        closed_by_auditor = importing.plan(s, auditor, xlsx(tmp_path / "c.xlsx", closed))
        risk = importing.plan(s, manager, xlsx(tmp_path / "r.xlsx", accepted))
        extended = importing.plan(s, manager, xlsx(tmp_path / "e.xlsx", later))
    assert [(p.row, p.column) for p in closed_by_auditor.problems] == [(2, "Status")]
    assert "manager or an admin" in closed_by_auditor.problems[0].message
    assert [(p.row, p.column) for p in risk.problems] == [(3, "Status")]
    assert "expiry" in risk.problems[0].message
    assert not extended.problems and extended.updated == 1
    with database.sessions.begin() as s:
        importing.apply(s, manager, tmp_path / "e.xlsx")
    with database.sessions.begin() as s:
        importing.apply(s, manager, xlsx(tmp_path / "c.xlsx", [[*closed[0][:5], "2026-06-30",
                                                                *closed[0][6:]], opened]))
    with database.sessions() as s:
        row = s.execute(text("SELECT status, closure_reason, due_date, original_due_date, "
                             "due_date_extension_reason FROM observation WHERE ref = 'R-1'")).one()
    assert row.status == "closed" and "c.xlsx" in row.closure_reason
    assert (row.due_date, row.original_due_date) == (date(2026, 6, 30), date(2026, 4, 5))
    assert "e.xlsx" in row.due_date_extension_reason
