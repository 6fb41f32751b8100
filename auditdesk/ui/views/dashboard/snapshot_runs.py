"""The dashboard's *Capture now* and *Backfill…* runs: one at a time, on the runner, with
progress reported as signals that the view turns into its busy indicator.

A backfill is cut into quarters (``domain.dashboard.backfill_chunks``), one job each, so
that the progress bar moves; the next chunk starts when the previous one answered.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QWidget

from auditdesk.domain.dashboard import backfill_chunks, backfill_message, format_day
from auditdesk.domain.records import Snapshot
from auditdesk.services.errors import user_message
from auditdesk.ui.context import AppContext

BACKFILL_CHUNK_DAYS = 92


class SnapshotRuns(QObject):
    """Starts captures and backfills for a view and reports how they go."""

    started = Signal(str, int)  # busy text, progress maximum (0: no known length)
    advanced = Signal(int)  # progress value
    captured = Signal(int, object)  # tenant id, the day captured (None: nothing was)
    finished = Signal(bool, str)  # ok, message

    def __init__(self, context: AppContext, view: QWidget):
        super().__init__(view)
        self.context = context
        self._view = view  # the answers are for it: dropped once its window is closed
        self._operation: str | None = None

    @property
    def busy(self) -> bool:
        return self._operation is not None

    def _begin(self, operation: str, text: str, maximum: int = 0) -> bool:
        if self._operation is not None:
            return False
        self._operation = operation
        self.started.emit(text, maximum)
        return True

    def _end(self, ok: bool, message: str) -> None:
        self._operation = None
        self.finished.emit(ok, message)

    def capture(self, tenant_id: int) -> bool:
        """Capture today's snapshot of ``tenant_id``; False when another run is busy."""
        if not self._begin("capture", "Capturing today's snapshot…"):
            return False

        def job(session):
            from auditdesk.services.snapshots import capture

            return capture(session, tenant_id=tenant_id)

        def done(snapshots: list[Snapshot]) -> None:
            when = format_day(snapshots[0].snapshot_date) if snapshots else "today"
            self.captured.emit(tenant_id, snapshots[0].snapshot_date if snapshots else None)
            self._end(True, f"Captured the snapshot of {when}.")

        def failed(error: BaseException) -> None:
            self._end(False, f"Capture failed: {user_message(error)}")

        self.context.worker.submit(job, done, failed, owner=self._view)
        return True

    def backfill(self, tenant_id: int, start: date, end: date, *, overwrite: bool = False) -> bool:
        """Rebuild the days ``start``..``end`` (either order) from the audit trail, a quarter
        at a time; False when another run is busy."""
        if start > end:
            start, end = end, start
        total = (end - start).days + 1
        if not self._begin("backfill", f"Backfilling {total} day{'s' if total != 1 else ''}…", total):
            return False
        chunks = backfill_chunks(start, end, BACKFILL_CHUNK_DAYS)
        written = [0, 0]  # rows written, captured days kept

        def run(index: int) -> None:
            chunk_start, chunk_end = chunks[index]

            def job(session):
                from auditdesk.services.snapshots import backfill

                return backfill(session, chunk_start, chunk_end, tenant_id=tenant_id,
                                overwrite=overwrite)

            def done(result: Any) -> None:
                written[0] += result.written
                written[1] += result.kept_captured
                self.advanced.emit((chunk_end - start).days + 1)
                if index + 1 < len(chunks):
                    run(index + 1)
                    return
                self._end(True, backfill_message(start, end, written[0], written[1]))

            def failed(error: BaseException) -> None:
                self._end(False, f"Backfill failed: {user_message(error)}")

            self.context.worker.submit(job, done, failed, owner=self._view)

        run(0)
        return True
