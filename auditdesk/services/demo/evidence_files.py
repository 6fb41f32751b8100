"""Demo evidence files: small PDFs (a one-page memo) and PNG images (a bar chart of a
sample test) generated here from the seeded random draws, attached to some of each
tenant's findings in remediation, awaiting validation or closed, as the person
remediating or an auditor uploaded them (the database records who, through the owner's
``auditdesk.app_user_id`` hint, and when: the load's time).

Written with the same rows an upload writes (``attachment`` and one chunk each: every
demo file is far below a chunk), so the database's whole-file check applies.
"""

from __future__ import annotations

import hashlib
import random
import struct
import zlib
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, text

FINDINGS_WITH_EVIDENCE = 24
KINDS = (
    ("Reconciliation sign-off {ref}.pdf", "memo"),
    ("Walkthrough notes {ref}.pdf", "memo"),
    ("Sample test results {ref}.png", "chart"),
    ("Access review extract {ref}.pdf", "memo"),
    ("Screenshot of system setting {ref}.png", "chart"),
)


def _pdf_text(value: str) -> str:
    return value.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


def memo_pdf(title: str, lines: Sequence[str]) -> bytes:
    """A valid one-page PDF with a heading and a few lines of Helvetica."""
    body = [f"BT /F1 16 Tf 72 770 Td ({_pdf_text(title)}) Tj ET"]
    for n, line in enumerate(lines):
        body.append(f"BT /F1 11 Tf 72 {740 - 18 * n} Td ({_pdf_text(line)}) Tj ET")
    stream = "\n".join(body).encode("latin-1", "replace")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, obj in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + obj + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1, xref)
    return bytes(out)


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(
        ">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def chart_png(values: Sequence[float], width: int = 320, height: int = 200) -> bytes:
    """A PNG bar chart of ``values`` (0..1) on a light background."""
    bars = len(values)
    slot = width // max(bars, 1)
    rows = []
    for y in range(height):
        row = bytearray(b"\x00")  # filter: none
        for x in range(width):
            bar, inside = divmod(x, slot)
            top = height - 12 - int((height - 30) * values[min(bar, bars - 1)])
            if y >= height - 12 or not (slot // 6 < inside < slot - slot // 6) or y < top:
                row += b"\xf4\xf6\xf8" if y % 40 else b"\xdd\xe2\xe8"
            else:
                row += b"\x1f\x5f\x8b" if values[min(bar, bars - 1)] >= 0.5 else b"\xc6\x28\x28"
        rows.append(bytes(row))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", header)
            + _png_chunk(b"IDAT", zlib.compress(b"".join(rows), 9)) + _png_chunk(b"IEND", b""))


def _content(kind: str, rng: random.Random, ref: str, title: str, who: str) -> bytes:
    if kind == "chart":
        return chart_png([rng.uniform(0.2, 1.0) for _ in range(rng.randint(5, 9))],
                         width=rng.randrange(360, 960, 8), height=rng.randrange(220, 620, 4))
    return memo_pdf(f"{ref}: {title}"[:80], [
        f"Prepared by {who}.",
        "Population and sample: " + f"{rng.randint(12, 60)} items tested of "
        f"{rng.randint(200, 4000)}.",
        f"Exceptions noted: {rng.randint(0, 3)}.",
        "Evidence reviewed: system report, approval e-mails, signed checklist.",
        *(f"Item {n + 1}: agreed to source, approved on time." for n in range(rng.randint(3, 30))),
        "Conclusion: the control now operates as designed.",
    ])


def insert_evidence(connection: Connection, rng: random.Random, tenant_id: int,
                    uploaders: Sequence[int]) -> int:
    """Attach one to three files to up to ``FINDINGS_WITH_EVIDENCE`` findings; returns
    how many files were attached."""
    candidates = connection.execute(text(
        "SELECT o.id, o.ref, o.title, o.owner_id FROM observation o WHERE o.tenant_id = :t "
        "AND o.status IN ('in_remediation', 'pending_validation', 'closed') ORDER BY o.id "
        "LIMIT 2000"), {"t": tenant_id}).all()
    if not candidates or not uploaders:
        return 0
    names: dict[int, str] = dict(connection.execute(text(
        "SELECT id, display_name FROM app_user WHERE tenant_id = :t"), {"t": tenant_id}).all())
    attached = 0
    for finding in rng.sample(candidates, min(FINDINGS_WITH_EVIDENCE, len(candidates))):
        for pattern, kind in rng.sample(KINDS, rng.randint(1, 3)):
            who = finding.owner_id if finding.owner_id in names and rng.random() < 0.6 \
                else rng.choice(list(uploaders))
            content = _content(kind, rng, finding.ref, finding.title, names.get(who, "the team"))
            _attach(connection, tenant_id, finding.id, who, pattern.format(ref=finding.ref),
                    "application/pdf" if kind == "memo" else "image/png", content)
            attached += 1
    connection.execute(text("SELECT set_config('auditdesk.app_user_id', '', true)"))
    return attached


def _attach(connection: Connection, tenant_id: int, observation_id: int, who: int,
            file_name: str, content_type: str, content: bytes) -> None:
    connection.execute(text("SELECT set_config('auditdesk.app_user_id', :who, true)"),
                       {"who": str(who)})
    params: dict[str, Any] = {
        "t": tenant_id, "o": observation_id, "name": file_name, "type": content_type,
        "size": len(content), "sha": hashlib.sha256(content).hexdigest(),
    }
    attachment_id = connection.execute(text(
        "INSERT INTO attachment (tenant_id, observation_id, file_name, content_type, "
        "size_bytes, sha256) VALUES (:t, :o, :name, :type, :size, :sha) RETURNING id"),
        params).scalar_one()
    connection.execute(text(
        "INSERT INTO attachment_chunk (tenant_id, attachment_id, seq, data) "
        "VALUES (:t, :a, 0, :data)"), {"t": tenant_id, "a": attachment_id, "data": content})
