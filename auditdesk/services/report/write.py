"""Write the board report to a file: PDF or Excel, chosen by the file's extension.

Checks the target first (format, folder, permission) so that a user hears in one line
why a path cannot be used before any query runs, and writes next to the final place,
moving the file there only when it is complete.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from auditdesk.domain.errors import ValidationError
from auditdesk.services.report.model import BoardReport, Progress, quiet

FORMATS = {".pdf": "pdf", ".xlsx": "xlsx"}
PAGE_SIZES = ("a4", "letter")


def parse_page_size(value: str) -> str:
    size = (value or "a4").strip().lower()
    if size not in PAGE_SIZES:
        raise ValidationError({"page_size": f"'{value}' is not one of a4, letter"})
    return size


def output_format(path: str | Path) -> str:
    """"pdf" or "xlsx" from the file's extension; a ValidationError for anything else."""
    suffix = Path(path).suffix.lower()
    if suffix not in FORMATS:
        shown = suffix or "no extension"
        raise ValidationError(
            {"out": f"{Path(path).name}: {shown} is not a report format (use .pdf or .xlsx)"}
        )
    return FORMATS[suffix]


def check_writable(path: str | Path) -> Path:
    """The output path, or a ValidationError saying in one line why it cannot be written."""
    target = Path(path).expanduser()
    output_format(target)
    folder = target.parent if str(target.parent) else Path(".")
    if target.is_dir():
        raise ValidationError({"out": f"{target} is a folder"})
    if not folder.is_dir():
        raise ValidationError({"out": f"folder {folder} does not exist"})
    if not os.access(folder, os.W_OK) or (target.exists() and not os.access(target, os.W_OK)):
        raise ValidationError({"out": f"{target} cannot be written (permission denied)"})
    return target


def write_report(
    report: BoardReport,
    path: str | Path,
    *,
    page_size: str = "a4",
    progress: Progress | None = None,
) -> Path:
    """Write the report as PDF or Excel, chosen by the extension of ``path``.

    The file is written next to its final place and moved there when complete, so a
    failed run never leaves half a report behind.
    """
    target = check_writable(path)
    kind = output_format(target)
    size = parse_page_size(page_size)
    handle, temporary = tempfile.mkstemp(
        prefix=".auditdesk-report-", suffix=target.suffix, dir=target.parent
    )
    os.close(handle)
    try:
        # Imported here: reportlab and openpyxl are only loaded when a report is written,
        # not when the application starts.
        if kind == "pdf":
            from auditdesk.services.report.pdf import write_pdf

            write_pdf(report, Path(temporary), page_size=size, progress=progress or quiet)
        else:
            from auditdesk.services.report.xlsx import write_xlsx

            write_xlsx(report, Path(temporary), progress=progress or quiet)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    (progress or quiet)(100, f"Wrote {target.name}")
    return target
