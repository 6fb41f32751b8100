"""The demo's evidence files: real PDFs and PNG images generated locally, attached to
findings under way or closed, uploaded by people of the tenant, and readable through the
service with their checksum."""

from __future__ import annotations

import struct
import zlib
from datetime import date

from sqlalchemy import text

from auditdesk.domain.records import Actor
from auditdesk.services import evidence
from auditdesk.services.demo import load_demo
from auditdesk.services.demo.evidence_files import chart_png, memo_pdf


def test_generated_pdf_and_png_are_well_formed():
    pdf = memo_pdf("OBS-000001: Title (draft)", ["line one", "line two"])
    assert pdf.startswith(b"%PDF-1.4\n") and pdf.endswith(b"%%EOF\n")
    xref = int(pdf.rsplit(b"startxref\n", 1)[1].split(b"\n")[0])
    assert pdf[xref:].startswith(b"xref\n")
    assert b"(OBS-000001: Title \\(draft\\)) Tj" in pdf
    png = chart_png([0.3, 0.9, 0.6], width=60, height=40)
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    width, height = struct.unpack(">II", png[16:24])
    (length,) = struct.unpack(">I", png[33:37])
    assert png[37:41] == b"IDAT"
    pixels = zlib.decompress(png[41:41 + length])
    assert (width, height) == (60, 40) and len(pixels) == height * (1 + 3 * width)


def test_the_demo_attaches_evidence_that_reads_back(database, tmp_path):
    load_demo(database.engine, observations=400, today=date(2026, 6, 1))
    with database.engine.connect() as c:
        rows = c.execute(text(
            "SELECT a.tenant_id, a.id, a.file_name, a.content_type, o.status, u.role "
            "FROM attachment a JOIN observation o ON (o.tenant_id, o.id) = "
            "(a.tenant_id, a.observation_id) JOIN app_user u ON (u.tenant_id, u.id) = "
            "(a.tenant_id, a.uploaded_by) ORDER BY a.id")).all()
        every = c.execute(text("SELECT count(*) FROM attachment")).scalar_one()
    assert len(rows) == every >= 2 * 24  # every file has an uploader of its own tenant
    assert len({r.tenant_id for r in rows}) == 2
    assert {r.status for r in rows} <= {"in_remediation", "pending_validation", "closed"}
    assert {r.content_type for r in rows} == {"application/pdf", "image/png"}
    assert "admin" not in {r.role for r in rows}
    with database.sessions() as s:
        for row in rows[:6]:
            out = evidence.save(s, Actor(row.tenant_id), row.id, tmp_path / row.file_name)
            head = out.read_bytes()[:8]
            assert head.startswith(b"%PDF") if row.file_name.endswith(".pdf") \
                else head == b"\x89PNG\r\n\x1a\n"
