"""Board report: the data layer against an independent computation on demo data, the PDF
(text extracted with pdftotext, headers on every page, page numbers, A4 and Letter), the
workbook read back with openpyxl, a tenant without repeats, and the CLI with its errors.

Runs on a database of its own (demo data loaded once for the module).
"""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

import factories as f
import pytest
from openpyxl import load_workbook
from sqlalchemy import text

from auditdesk.cli import main
from auditdesk.config import DatabaseSource
from auditdesk.data import report as data
from auditdesk.data import snapshots as snapshot_data
from auditdesk.data import tenants
from auditdesk.db.connection import open_database
from auditdesk.domain.enums import Severity
from auditdesk.domain.reports import ReportPeriod
from auditdesk.services import report as board_report
from auditdesk.services.demo import load_demo
from auditdesk.ui.charts import render_chart_png

SHEETS = [
    "Summary",
    "Repeat findings",
    "Closed then recurred",
    "Repeat rate by auditee",
    "Open by severity",
    "Open by age",
    "Overdue findings",
    "Overdue actions",
    "Expiring acceptances",
    "Engagement progress",
    "Trends",
]
REF = re.compile(r"^\s*(OBS-\d+)\s")
HEADER = re.compile(r"^\s*Ref\s+Title\s+Severity\s+Status\s+Original\b")


@dataclass
class World:
    url: str
    database: object
    tenant: object
    quiet: object
    today: date
    pdf: Path
    letter: Path
    xlsx: Path
    quiet_pdf: Path
    quiet_xlsx: Path
    folder: Path


def _pdftext(path: Path, *pages: int) -> str:
    args = ["pdftotext", "-layout"]
    if pages:
        args += ["-f", str(pages[0]), "-l", str(pages[-1])]
    return subprocess.run([*args, str(path), "-"], check=True, capture_output=True, text=True).stdout


def _page_count(path: Path) -> int:
    info = subprocess.run(["pdfinfo", str(path)], check=True, capture_output=True, text=True).stdout
    return int(re.search(r"^Pages:\s+(\d+)", info, re.M).group(1))


def _page_size(path: Path) -> str:
    info = subprocess.run(["pdfinfo", str(path)], check=True, capture_output=True, text=True).stdout
    return re.search(r"^Page size:\s+(.*)$", info, re.M).group(1)


@pytest.fixture(scope="module")
def world(create_database, tmp_path_factory) -> World:
    url = create_database("auditdesk_report")
    database = open_database(DatabaseSource(url, None, "option"))
    load_demo(database.engine, observations=2500)
    folder = tmp_path_factory.mktemp("board")
    with database.sessions.begin() as s:
        tenant = tenants.get_tenant_by_slug(s, "northwind")
        today = snapshot_data.today(s)
        snapshot_data.backfill_range(s, [tenant.id], today - timedelta(days=200), today)
        quiet = f.tenant(s, "quiet")
        who = f.actor(quiet)
        engagement = f.engagement(s, who, code="ENG-Q-001", auditee="Quiet unit")
        for days in (10, 50, 400):
            f.observation(s, who, identified_on=today - timedelta(days=days), engagement_id=engagement.id)
    paths = {
        "pdf": folder / "board.pdf",
        "letter": folder / "board-letter.pdf",
        "xlsx": folder / "board.xlsx",
        "quiet_pdf": folder / "quiet.pdf",
        "quiet_xlsx": folder / "quiet.xlsx",
    }
    with database.sessions() as s:
        for key, t, size in (
            ("pdf", tenant, "a4"), ("letter", tenant, "letter"), ("xlsx", tenant, "a4"),
            ("quiet_pdf", quiet, "a4"), ("quiet_xlsx", quiet, "a4"),
        ):
            board_report.generate(
                s, t, paths[key], page_size=size, chart_renderer=render_chart_png, today=today
            )
    yield World(url, database, tenant, quiet, today, folder=folder, **paths)
    database.close()


def _read(world: World, function, tenant=None, period: ReportPeriod = ReportPeriod()):
    with world.database.sessions() as s:
        return function(s, (tenant or world.tenant).id, period, world.today)


def _observations(world: World, tenant_id: int) -> dict[int, dict]:
    with world.database.engine.connect() as c:
        rows = c.execute(
            text(
                """
                SELECT o.id, o.ref, o.status, o.severity, o.identified_on, o.due_date,
                       (o.closed_at AT TIME ZONE 'UTC')::date AS closed_on,
                       o.repeat_of_id, e.code, e.auditee
                  FROM observation o
                  LEFT JOIN audit_engagement e
                    ON e.tenant_id = o.tenant_id AND e.id = o.engagement_id
                 WHERE o.tenant_id = :t
                """
            ),
            {"t": tenant_id},
        ).mappings()
        return {r["id"]: dict(r) for r in rows}


def _is_open(row: dict) -> bool:
    return row["status"] not in ("draft", "closed", "risk_accepted")


# --------------------------------------------------------------------------------------
# data layer, checked against a computation in Python over every row


def test_repeat_findings_match_the_chains_computed_in_python(world):
    rows = _observations(world, world.tenant.id)
    expected = []
    for row in rows.values():
        if row["repeat_of_id"] is None or not _is_open(row):
            continue
        chain = [row]
        while chain[-1]["repeat_of_id"] is not None:
            chain.append(rows[chain[-1]["repeat_of_id"]])
        root = chain[-1]
        codes: list[str] = []
        for member in reversed(chain):
            if member["code"] and member["code"] not in codes:  # each engagement once
                codes.append(member["code"])
        expected.append(
            (row["ref"], root["ref"], len(chain) - 1, root["identified_on"],
             (world.today - root["identified_on"]).days, tuple(codes))
        )
    rank = {s.value: s.rank for s in Severity}
    expected.sort(key=lambda e: (-e[2], rank[rows_by_ref(rows)[e[0]]["severity"]], e[0]))
    found = _read(world, data.repeat_findings)
    assert len(found) > 50, "demo data should hold open repeat findings"
    assert [
        (r.ref, r.original_ref, r.recurrence, r.chain_identified_on, r.chain_age_days, r.engagements)
        for r in found
    ] == expected
    assert max(r.recurrence for r in found) >= 2
    assert all(len(set(r.engagements)) == len(r.engagements) for r in found)


def test_a_chain_that_returns_to_an_engagement_names_it_once(database):
    with database.sessions.begin() as s:
        tenant = f.tenant(s)
        who = f.actor(tenant)
        first = f.engagement(s, who, code="ENG-2024-001")
        second = f.engagement(s, who, code="ENG-2025-001")
        previous = None
        for step, engagement in enumerate((first, second, first, second, None)):
            previous = f.observation(
                s, who, identified_on=date(2024, 1, 10) + timedelta(days=90 * step),
                engagement_id=engagement.id if engagement else None,
                repeat_of_id=previous.id if previous else None,
            )
    with database.sessions() as s:
        found = data.repeat_findings(s, tenant.id, ReportPeriod(), date(2025, 6, 1))
    latest = next(r for r in found if r.ref == previous.ref)
    assert latest.recurrence == 4
    assert latest.engagements == ("ENG-2024-001", "ENG-2025-001")  # each once, first seen


def rows_by_ref(rows: dict[int, dict]) -> dict[str, dict]:
    return {r["ref"]: r for r in rows.values()}


def test_closed_then_recurred_and_repeat_rates_match_python(world):
    rows = _observations(world, world.tenant.id)
    expected = sorted(
        (
            (o["ref"], rows[o["repeat_of_id"]]["ref"], (o["identified_on"] - rows[o["repeat_of_id"]]["closed_on"]).days)
            for o in rows.values()
            if o["repeat_of_id"] is not None and o["status"] != "draft"
            and rows[o["repeat_of_id"]]["status"] == "closed"
            and o["identified_on"] > rows[o["repeat_of_id"]]["closed_on"]
        ),
        key=lambda e: (-rows_by_ref(rows)[e[0]]["identified_on"].toordinal(), e[0]),
    )
    found = _read(world, data.closed_then_recurred)
    assert expected, "demo data should hold closures that recurred"
    assert [(c.repeat_ref, c.closed_ref, c.days_after_closure) for c in found] == expected
    assert all(c.days_after_closure > 0 for c in found)

    per_auditee: dict[str, list[int]] = {}
    for o in rows.values():
        if o["auditee"] is None or o["status"] == "draft":
            continue
        counts = per_auditee.setdefault(o["auditee"], [0, 0, 0])
        counts[0] += 1
        counts[1] += o["repeat_of_id"] is not None
        counts[2] += o["repeat_of_id"] is not None and _is_open(o)
    rates = _read(world, data.repeat_rate_by_auditee)
    assert {r.auditee: [r.findings, r.repeats, r.open_repeats] for r in rates} == per_auditee
    shares = [r.rate for r in rates]
    assert shares == sorted(shares, reverse=True)


def test_headline_ages_and_overdue_agree_with_the_rows(world):
    rows = [r for r in _observations(world, world.tenant.id).values() if _is_open(r)]
    headline = _read(world, data.headline)
    assert headline.open_total == len(rows)
    assert headline.repeat_open == sum(r["repeat_of_id"] is not None for r in rows)
    with world.database.sessions() as s:
        metrics = snapshot_data.compute_metrics(s, world.tenant.id, world.today)
    assert (headline.total, headline.overdue, headline.closed_total, headline.compliance_rate) == (
        metrics.total, metrics.overdue, metrics.closed_total, metrics.compliance_rate
    )
    ages = _read(world, data.open_by_age)
    assert [a.label for a in ages] == ["0–30 days", "31–90 days", "91–180 days", "181–365 days", "Over 365 days"]
    assert sum(a.total for a in ages) == len(rows)
    old = sum((world.today - r["identified_on"]).days > 365 for r in rows)
    assert ages[-1].total == old
    overdue = _read(world, data.overdue_findings)
    late = [r for r in rows if r["due_date"] is not None and r["due_date"] < world.today]
    assert sorted(o.ref for o in overdue) == sorted(r["ref"] for r in late)
    assert all(o.days_overdue == (world.today - o.due_date).days for o in overdue)
    assert [o.days_overdue for o in overdue] == sorted((o.days_overdue for o in overdue), reverse=True)


def test_period_filters_on_the_identification_date(world):
    period = ReportPeriod(world.today - timedelta(days=365), world.today - timedelta(days=30))
    everything = _read(world, data.repeat_findings)
    inside = _read(world, data.repeat_findings, period=period)
    assert 0 < len(inside) < len(everything)
    assert [r.ref for r in inside] == [
        r.ref for r in everything if period.start <= r.identified_on <= period.end
    ]


# --------------------------------------------------------------------------------------
# PDF


def _section(text_: str, start: str, end: str) -> str:
    return text_[text_.index(start) : text_.index(end)]


def test_pdf_repeat_section_lists_exactly_the_repeat_findings_in_order(world):
    text_ = _pdftext(world.pdf)
    section = _section(text_, "2.1 Open repeat findings", "2.2 Closed findings that recurred")
    listed = [m.group(1) for line in section.splitlines() if (m := REF.match(line))]
    assert listed == [r.ref for r in _read(world, data.repeat_findings)]
    recurred = _section(text_, "2.2 Closed findings that recurred", "2.3 Repeat rate by auditee")
    assert [m.group(1) for line in recurred.splitlines() if (m := REF.match(line))] == [
        c.closed_ref for c in _read(world, data.closed_then_recurred)
    ]


def test_pdf_cover_page_numbers_and_repeated_headers(world):
    pages = _page_count(world.pdf)
    assert pages > 5
    first = _pdftext(world.pdf, 1)
    assert "Internal audit board report" in first
    assert world.tenant.name in first
    assert "Generated:" in first and "All findings (no period filter)" in first
    for number in range(1, pages + 1):
        assert re.search(rf"Page {number} of {pages}\b", _pdftext(world.pdf, number))
    # Every page the repeat table runs onto starts with its header row.
    spanned = 0
    for number in range(2, pages + 1):
        page = _pdftext(world.pdf, number)
        ended = "2.2 Closed findings" in page
        lines = page.split("2.2 Closed findings")[0].splitlines()
        rows = [i for i, line in enumerate(lines) if REF.match(line)]
        if rows:
            spanned += 1
            assert any(HEADER.match(line) for line in lines[: rows[0]]), f"page {number}: no header"
        if ended:
            break
    assert spanned >= 2, "the repeat table should span pages with this much data"


def test_pdf_page_sizes_and_selectable_text(world):
    assert _page_size(world.pdf).startswith("595.276 x 841.89")
    assert _page_size(world.letter).startswith("612 x 792")
    assert "Open repeat findings" in _pdftext(world.letter, 2)


def test_pdf_has_the_trend_charts(world):
    out = subprocess.run(["pdfimages", "-list", str(world.pdf)], capture_output=True, text=True)
    images = [line for line in out.stdout.splitlines()[2:] if line.strip()]
    assert len(images) >= 2
    assert "last one of each" in _pdftext(world.pdf)


def test_page_one_renders_to_png(world):
    subprocess.run(
        ["pdftoppm", "-png", "-r", "80", "-f", "1", "-l", "1", str(world.pdf), str(world.folder / "page")],
        check=True,
    )
    png = next(world.folder.glob("page*.png"))
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert png.stat().st_size > 10_000


def test_tenant_without_repeats_says_so(world):
    text_ = _pdftext(world.quiet_pdf)
    assert board_report.NO_REPEATS in text_
    assert board_report.NO_RECURRED in text_
    assert not [line for line in _section(text_, "2.1 Open repeat findings", "2.2 Closed").splitlines()
                if REF.match(line)]
    wb = load_workbook(world.quiet_xlsx)
    ws = wb["Repeat findings"]
    assert ws["A1"].value == "Ref"
    assert ws["A2"].value == board_report.NO_REPEATS
    assert ws.max_row == 2


# --------------------------------------------------------------------------------------
# Excel


def test_workbook_sheets_frozen_headers_and_typed_cells(world):
    wb = load_workbook(world.xlsx)
    assert wb.sheetnames == SHEETS
    for ws in wb.worksheets:
        assert ws.freeze_panes == "A2", ws.title
        assert ws["A1"].font.b, ws.title
        assert ws.column_dimensions["A"].width > 8
    repeats = wb["Repeat findings"]
    header = [c.value for c in repeats[1]]
    assert header[:6] == ["Ref", "Title", "Severity", "Status", "Original", "Recurrence"]
    body = list(repeats.iter_rows(min_row=2, values_only=True))
    found = _read(world, data.repeat_findings)
    assert [row[0] for row in body] == [r.ref for r in found]
    first = repeats[2]
    assert isinstance(first[5].value, int) and first[5].value == found[0].recurrence
    assert isinstance(first[6].value, datetime) and first[6].value.date() == found[0].chain_identified_on
    assert first[6].number_format == "yyyy-mm-dd"
    assert isinstance(first[7].value, int)

    overdue = wb["Overdue findings"]
    row = overdue[2]
    assert isinstance(row[5].value, datetime) and isinstance(row[6].value, int)
    rates = wb["Repeat rate by auditee"]
    rate = rates[2][3]
    assert isinstance(rate.value, float) and 0 <= rate.value <= 1 and rate.number_format == "0.0%"
    summary = {r[0]: r[1] for r in wb["Summary"].iter_rows(min_row=2, values_only=True) if r and r[0]}
    assert summary["Tenant"] == world.tenant.name
    assert isinstance(summary["Statuses as of"], datetime)
    assert summary["Open repeat findings"] == len(found)
    trends = list(wb["Trends"].iter_rows(min_row=2, values_only=True))
    assert trends and isinstance(trends[0][0], datetime)
    assert len(wb["Trends"]._images) == 2


# --------------------------------------------------------------------------------------
# CLI


@pytest.fixture
def cli(world, capsys):
    def run(*args: str) -> tuple[int, str, str]:
        code = main(["--database-url", world.url, *args])
        out, err = capsys.readouterr()
        return code, out, err

    return run


def test_cli_writes_pdf_and_xlsx(cli, world, tmp_path):
    pdf, xlsx = tmp_path / "r.pdf", tmp_path / "r.XLSX"
    code, out, _ = cli("report", "board", "--tenant", "northwind", "--out", str(pdf),
                       "--page-size", "letter", "--from", "2025-01-01")
    assert code == 0 and "wrote" in out
    assert _page_size(pdf).startswith("612 x 792")
    assert "identified 01 Jan 2025 to" in _pdftext(pdf, 1) or "from 01 Jan 2025" in _pdftext(pdf, 1)
    code, out, _ = cli("report", "board", "--tenant", "quiet", "--out", str(xlsx), "--json")
    assert code == 0
    assert '"format": "xlsx"' in out and '"repeat_findings": 0' in out
    assert load_workbook(xlsx).sheetnames == SHEETS


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--out", "{tmp}/report.docx"], ".docx is not a report format (use .pdf or .xlsx)"),
        (["--out", "{tmp}/report"], "no extension is not a report format"),
        (["--out", "/nonexistent-folder/report.pdf"], "folder /nonexistent-folder does not exist"),
        (["--out", "{tmp}"], "is not a report format"),
        (["--out", "{tmp}/r.pdf", "--page-size", "a5"], "--page-size: 'a5' is not one of a4, letter"),
        (["--out", "{tmp}/r.pdf", "--from", "2025-13-01"], "--from: '2025-13-01' is not a date"),
        (["--out", "{tmp}/r.pdf", "--from", "2025-05-01", "--to", "2025-01-01"], "is before --from"),
        (["--out", "{tmp}/r.pdf", "--tenant", "nobody"], "No tenant 'nobody'"),
    ],
)
def test_cli_errors_are_one_line(cli, tmp_path, args, message):
    args = [a.replace("{tmp}", str(tmp_path)) for a in args]
    if "--tenant" not in args:
        args += ["--tenant", "northwind"]
    code, out, err = cli("report", "board", *args)
    assert code == 1
    assert out == ""
    assert message in err
    assert len(err.strip().splitlines()) == 1
    assert not list(tmp_path.iterdir())


def test_cli_refuses_a_read_only_folder(cli, tmp_path):
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        import os

        if os.access(locked, os.W_OK):  # root ignores permissions: use a path under a file
            target = tmp_path / "file.txt"
            target.write_text("x")
            out_path = target / "r.pdf"
            expected = "does not exist"
        else:
            out_path = locked / "r.pdf"
            expected = "cannot be written"
        code, _, err = cli("report", "board", "--tenant", "northwind", "--out", str(out_path))
        assert code == 1 and expected in err and len(err.strip().splitlines()) == 1
    finally:
        locked.chmod(0o700)


def test_pdf_lists_the_longest_overdue_and_points_to_the_workbook(world, tmp_path, monkeypatch):
    """A board pack shows the first PDF_ROWS overdue findings; Excel keeps all."""
    from auditdesk.services.report import tables

    overdue = _read(world, data.overdue_findings)
    assert len(overdue) > 3
    monkeypatch.setattr(tables, "PDF_ROWS", 3)
    with world.database.sessions() as s:
        report = board_report.collect(s, world.tenant, today=world.today)
    table = report.table("overdue")
    assert table.pdf_limit == 3 and len(table.rows) == len(overdue)
    pdf = tmp_path / "limited.pdf"
    board_report.write_report(report, pdf)
    text = _pdftext(pdf)
    listed = [o.ref for o in overdue if o.ref in text]
    assert [o.ref for o in overdue[:3]] == listed[:3]
    assert f"Showing the first 3 of {len(overdue):,}" in " ".join(text.split())


# --------------------------------------------------------------------------------------
# The PDF lists the first PDF_ROWS of a long list, counted in full; the workbook all


def test_limited_lists_are_the_first_rows_and_the_counts_count_them_all(world):
    with world.database.sessions() as s:
        args = (s, world.tenant.id, ReportPeriod(), world.today)
        repeats = data.repeat_findings(*args)
        recurred = data.closed_then_recurred(*args)
        overdue = data.overdue_findings(*args)
        assert len(repeats) > 7 and len(recurred) > 7 and len(overdue) > 7
        assert data.repeat_findings(*args, limit=7) == repeats[:7]
        assert data.closed_then_recurred(*args, limit=7) == recurred[:7]
        assert data.overdue_findings(*args, limit=7) == overdue[:7]
        assert data.recurred_count(*args) == len(recurred)
        assert data.overdue_count(*args) == len(overdue)
        depths = data.repeat_counts(*args)
    by_depth: dict[int, int] = {}
    for r in repeats:
        by_depth[r.recurrence] = by_depth.get(r.recurrence, 0) + 1
    assert [(d.recurrence, d.findings) for d in depths] == sorted(by_depth.items())
    assert len(depths) >= 2


def test_pdf_with_more_repeats_than_the_cap_lists_the_first_and_says_how_many(
    world, tmp_path, monkeypatch
):
    import importlib

    from auditdesk.services.report import tables

    collect_module = importlib.import_module("auditdesk.services.report.collect")
    cap = 12
    monkeypatch.setattr(collect_module, "PDF_ROWS", cap)
    monkeypatch.setattr(tables, "PDF_ROWS", cap)
    repeats = _read(world, data.repeat_findings)
    assert len(repeats) > cap
    pdf, xlsx = tmp_path / "capped.pdf", tmp_path / "capped.xlsx"
    with world.database.sessions() as s:
        built = board_report.generate(s, world.tenant, pdf, today=world.today)
        board_report.generate(s, world.tenant, xlsx, today=world.today)
    # Collected for the PDF: only the rows it shows, and the count of all of them.
    assert len(built.repeats) == cap
    assert built.table("repeats").count == len(repeats)

    text_ = _pdftext(pdf)
    section = _section(text_, "2.1 Open repeat findings", "2.2 Closed findings that recurred")
    listed = [m.group(1) for line in section.splitlines() if (m := REF.match(line))]
    assert listed == [r.ref for r in repeats[:cap]]
    # the deepest chains are the ones shown
    assert min(r.recurrence for r in repeats[:cap]) >= max(r.recurrence for r in repeats[cap:])
    words = " ".join(section.split())
    assert f"2.1 Open repeat findings ({len(repeats):,})" in words
    assert f"Showing the first {cap} of {len(repeats):,}" in words
    assert "Excel workbook" in words and "Repeat findings" in words
    counts: dict[int, int] = {}
    for r in repeats:
        counts[r.recurrence] = counts.get(r.recurrence, 0) + 1
    assert f"{counts[1]:,} recurred once" in words
    assert f"{counts[2]:,} recurred twice" in words

    wb = load_workbook(xlsx)
    body = list(wb["Repeat findings"].iter_rows(min_row=2, values_only=True))
    assert [row[0] for row in body] == [r.ref for r in repeats]
    summary = {r[0]: r[1] for r in wb["Summary"].iter_rows(min_row=2, values_only=True) if r and r[0]}
    assert summary["Recurrence 1"] == counts[1]


def test_a_report_collected_for_the_pdf_cannot_fill_a_workbook(world, tmp_path):
    with world.database.sessions() as s:
        built = board_report.collect(s, world.tenant, today=world.today, rows=5)
    assert len(built.repeats) == 5
    with pytest.raises(ValueError, match="collected for a PDF"):
        board_report.write_report(built, tmp_path / "short.xlsx")
    assert not list(tmp_path.iterdir())
    board_report.write_report(built, tmp_path / "short.pdf")
    assert "Showing the first 5 of" in " ".join(_pdftext(tmp_path / "short.pdf").split())
