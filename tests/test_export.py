"""Export to .xlsx and .csv, the round trip on the demo data, and the import/export CLI."""

from __future__ import annotations

import csv
import json
from datetime import date, datetime

import factories as f
import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import text

from auditdesk.cli import main
from auditdesk.domain.enums import Severity
from auditdesk.domain.queries import ObservationFilter, ObservationSort
from auditdesk.services import exporting, importing, tenants
from auditdesk.services.demo import load_demo


@pytest.fixture
def cli(database, database_url, capsys):
    def run(*args: str) -> tuple[int, str, str]:
        code = main(["--database-url", database_url, *args])
        out, err = capsys.readouterr()
        return code, out, err

    return run


def _counts(database) -> tuple[int, int]:
    with database.engine.connect() as c:
        return (c.execute(text("SELECT count(*) FROM observation")).scalar_one(),
                c.execute(text("SELECT count(*) FROM audit_log")).scalar_one())


@pytest.mark.parametrize("suffix", [".xlsx", ".csv"])
def test_round_trip_of_the_demo_data_changes_nothing(database, tmp_path, suffix):
    load_demo(database.engine, observations=400)
    path = tmp_path / f"observations{suffix}"
    with database.sessions.begin() as s:
        tenant = next(t for t in tenants.list_tenants(s) if
                      s.execute(text("SELECT count(*) FROM observation WHERE tenant_id = :t"),
                                {"t": t.id}).scalar_one() == 400)
        written = exporting.export_observations(s, tenant.id, path)
    assert written.rows == 400
    before = _counts(database)
    with database.sessions.begin() as s:
        result = importing.apply(s, tenants.actor_for(tenant.id, None), path).value
    assert result.plan.problems == ()
    assert (result.plan.created, result.plan.updated, result.plan.unchanged) == (0, 0, 400)
    assert _counts(database) == before


def test_the_workbook_has_dates_frozen_header_filter_widths_and_colours(database, tmp_path):
    with database.sessions.begin() as s:
        t = f.tenant(s)
        who = f.actor(t)
        f.observation(s, who, title="=HYPERLINK(\"http://evil\")", severity="critical",
                      identified_on=date(2026, 1, 5))
        f.observation(s, who, title="Second", severity="low", identified_on=date(2026, 1, 6))
    path = tmp_path / "o.xlsx"
    with database.sessions.begin() as s:
        exporting.export_observations(s, t.id, path, sort=ObservationSort.SEVERITY)
    book = load_workbook(path)
    sheet = book.active
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == "A1:S3"
    assert sheet.column_dimensions["B"].width == 48
    header = [c.value for c in sheet[1]]
    assert header[:4] == ["Ref", "Title", "Engagement", "Severity"]
    first = [c for c in sheet[2]]
    assert first[1].value == "=HYPERLINK(\"http://evil\")" and first[1].data_type == "s"
    assert first[3].value == "Critical"
    assert isinstance(first[7].value, datetime) and first[7].value.date() == date(2026, 1, 5)
    rules = [r for rng in sheet.conditional_formatting for r in rng.rules]
    assert len(rules) == 4 and rules[0].dxf.fill.bgColor.rgb.endswith("B71C1C")


def test_csv_opens_in_excel_utf8_with_bom_and_filters_apply(database, tmp_path):
    with database.sessions.begin() as s:
        t = f.tenant(s)
        who = f.actor(t)
        f.observation(s, who, title="Caf\u00e9 \u20ac", severity="high")
        f.observation(s, who, title="Other", severity="low")
    path = tmp_path / "o.csv"
    with database.sessions.begin() as s:
        result = exporting.export_observations(
            s, t.id, path, ObservationFilter(severities=(Severity.HIGH,)))
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and b"\r\n" in raw
    rows = list(csv.reader(raw.decode("utf-8-sig").splitlines()))
    assert result.rows == 1 and rows[1][1] == "Caf\u00e9 \u20ac" and rows[1][3] == "High"


def test_engagements_and_audit_trail_export(database, tmp_path):
    with database.sessions.begin() as s:
        t = f.tenant(s)
        who = f.actor(t)
        f.engagement(s, who, code="ENG-2026-777")
        f.observation(s, who)
    with database.sessions.begin() as s:
        engagements = exporting.export_engagements(s, t.id, tmp_path / "e.xlsx")
        audit = exporting.export_audit(s, t.id, tmp_path / "a.csv")
    assert engagements.rows == 1
    assert load_workbook(tmp_path / "e.xlsx").active["A2"].value == "ENG-2026-777"
    assert audit.rows >= 2
    assert "created" in (tmp_path / "a.csv").read_text(encoding="utf-8-sig")


def test_cli_import_json_dry_run_and_exit_codes(database, cli, tmp_path):
    with database.sessions.begin() as s:
        f.tenant(s, "acme")
    book = Workbook()
    book.active.append(["Finding ID", "Issue title", "Risk rating", "Date raised", "Colour"])
    book.active.append(["F-1", "One", "H", "2026-01-02", "red"])
    book.active.append(["F-2", "Two", "Purple", "2026-01-03", "blue"])
    book.save(tmp_path / "f.xlsx")
    code, out, err = cli("import", "observations", str(tmp_path / "f.xlsx"), "--json", "--dry-run")
    payload = json.loads(out)
    assert code == 1
    assert (payload["created"], payload["updated"], payload["unchanged"]) == (1, 0, 0)
    assert payload["rejected"] == [
        {"row": 3, "column": "Risk rating",
         "message": "'Purple' is not a severity; use Critical, High, Medium or Low (or C, H, M, L)"}]
    code, out, _ = cli("import", "observations", str(tmp_path / "f.xlsx"))
    assert code == 1 and "Nothing was written" in out and _counts(database)[0] == 0
    code, out, _ = cli("import", "observations", str(tmp_path / "f.xlsx"), "--map", "Colour=criteria",
                       "--valid-rows-only", "--json")
    assert code == 1 and json.loads(out)["created"] == 1
    assert (tmp_path / "f-rejected.xlsx").exists()
    code, out, _ = cli("import", "observations", str(tmp_path / "f.xlsx"), "--map", "Colour=criteria",
                       "--valid-rows-only", "--json")
    assert json.loads(out)["unchanged"] == 1 and json.loads(out)["created"] == 0
    code, _, err = cli("import", "observations", str(tmp_path / "f.xlsx"), "--map", "Colour=colour")
    assert code == 1 and "--map: 'colour' is not a field" in err


def test_cli_import_of_a_bad_file_is_one_line_and_no_traceback(database, cli, tmp_path):
    with database.sessions.begin() as s:
        f.tenant(s, "acme")
    (tmp_path / "x.csv").write_bytes(b"\x00\x01\x02 binary")
    code, out, err = cli("import", "observations", str(tmp_path / "x.csv"))
    assert code == 1 and "is not an Excel workbook (.xlsx) or a CSV file" in out
    assert "Traceback" not in out + err


def test_cli_export_with_filters(database, cli, tmp_path):
    with database.sessions.begin() as s:
        t = f.tenant(s, "acme")
        who = f.actor(t)
        f.observation(s, who, severity="high")
        f.observation(s, who, severity="low")
    code, out, _ = cli("export", "observations", "--out", str(tmp_path / "o.xlsx"), "--severity",
                       "high", "--json")
    assert code == 0 and json.loads(out)["rows"] == 1
    code, out, _ = cli("export", "engagements", "--out", str(tmp_path / "e.csv"))
    assert code == 0 and "0 rows written" in out
    code, _, err = cli("export", "audit", "--out", str(tmp_path / "a.pdf"))
    assert code == 1 and "must end in .xlsx or .csv" in err


def _suggest(session, tenant_id: int, later, earlier, score: float, status: str = "pending") -> None:
    key = session.execute(
        text("INSERT INTO repeat_suggestion (tenant_id, observation_id, candidate_id, score, reasons)"
             " VALUES (:t, :o, :c, :s, CAST(:r AS jsonb)) RETURNING id"),
        {"t": tenant_id, "o": later.id, "c": earlier.id, "s": score,
         "r": json.dumps(["same auditee", f"title {score:.2f} similar"])},
    ).scalar_one()
    if status != "pending":  # a suggestion is always proposed as pending, then decided
        session.execute(text("UPDATE repeat_suggestion SET status = :st WHERE id = :id"),
                        {"st": status, "id": key})


def test_repeat_suggestions_export_in_queue_order_with_the_queue_filters(database, cli, tmp_path):
    from auditdesk.domain.queries import SuggestionFilter

    with database.sessions.begin() as s:
        t = f.tenant(s, "acme")
        who = f.actor(t)
        treasury = f.engagement(s, who, code="ENG-2025-001", auditee="Treasury")
        payroll = f.engagement(s, who, code="ENG-2025-002", auditee="Payroll")
        early_t = f.observation(s, who, engagement_id=treasury.id, title="Cash not counted",
                                identified_on=date(2025, 2, 1))
        late_t = f.observation(s, who, engagement_id=treasury.id, title="Petty cash uncounted",
                               identified_on=date(2026, 2, 1))
        early_p = f.observation(s, who, engagement_id=payroll.id, title="Leavers paid",
                                identified_on=date(2025, 3, 1))
        late_p = f.observation(s, who, engagement_id=payroll.id, title="Salary after leaving",
                               identified_on=date(2026, 3, 1))
        _suggest(s, t.id, late_p, early_p, 0.55)
        _suggest(s, t.id, late_t, early_t, 0.81)
        _suggest(s, t.id, late_p, early_t, 0.30, "rejected")
    with database.sessions() as s:
        result = exporting.export_suggestions(s, t.id, tmp_path / "q.xlsx")
        treasury_only = exporting.export_suggestions(
            s, t.id, tmp_path / "t.csv", SuggestionFilter(auditee="Treasury", min_score=0.5))
    sheet = load_workbook(tmp_path / "q.xlsx").active
    rows = list(sheet.iter_rows(values_only=True))
    assert result.rows == 2
    assert rows[0][:3] == ("Score", "Status", "Finding")
    assert [(r[0], r[2], r[6]) for r in rows[1:]] == [(0.81, late_t.ref, early_t.ref),
                                                       (0.55, late_p.ref, early_p.ref)]
    assert rows[1][5] == datetime(2026, 2, 1) and "same auditee" in rows[1][10]
    assert treasury_only.rows == 1
    code, out, _ = cli("export", "suggestions", "--out", str(tmp_path / "all.csv"), "--status", "all",
                       "--json")
    assert code == 0 and json.loads(out)["rows"] == 3
    code, _, err = cli("export", "suggestions", "--out", str(tmp_path / "x.csv"), "--min-score", "2")
    assert code != 0 and "between 0 and 1" in err
