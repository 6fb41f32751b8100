"""Benchmark: the Dashboard view drawing ten years of daily snapshots (3,650 per curve).

Run it as a script (pytest does not collect it)::

    XDG_RUNTIME_DIR=/tmp/xdg QT_QPA_PLATFORM=offscreen python tests/benchmarks/bench_dashboard_draw.py

No database: the view receives what its worker job would return (3,650
``(bucket, Snapshot)`` pairs, with gaps in the compliance rate) through the same
slot as a real reload, at the window size of the app (1280 x 820). Timed from the
hand-over (series conversion, ``setData`` on the seven curves, tiles) to a painted
``grab()`` of the whole view, for the first draw and for repeated draws, plus a
hover read-out and a pan repaint. Target of the issue: drawing <= 0.2 s.
"""

from __future__ import annotations

import argparse
import math
import os
import statistics
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

if not os.environ.get("XDG_RUNTIME_DIR"):
    _runtime = Path(tempfile.gettempdir()) / f"auditdesk-bench-runtime-{os.getuid()}"
    _runtime.mkdir(mode=0o700, exist_ok=True)
    os.environ["XDG_RUNTIME_DIR"] = str(_runtime)
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtWidgets import QApplication  # noqa: E402

from auditdesk.domain.enums import SnapshotSource  # noqa: E402
from auditdesk.domain.records import Snapshot  # noqa: E402
from auditdesk.ui.charts import day_to_x  # noqa: E402
from auditdesk.ui.context import AppContext  # noqa: E402
from auditdesk.ui.theme import style_sheet  # noqa: E402
from auditdesk.ui.views.dashboard import DashboardData, DashboardView  # noqa: E402

TARGET_S = 0.2


def make_data(days: int, end: date) -> DashboardData:
    start = end - timedelta(days=days - 1)
    captured = datetime.now(UTC)
    buckets = []
    for i in range(days):
        day = start + timedelta(days=i)
        c = 5 + int(4 * math.sin(i / 40))
        h = 20 + int(9 * math.sin(i / 90))
        m = 40 + i // 120
        lo = 15 + (i * 7919) % 6
        rate = None if i < 120 or 1500 <= i < 1530 else round(0.55 + 0.3 * math.sin(i / 200), 6)
        snapshot = Snapshot(
            1, day, captured, SnapshotSource.BACKFILLED, 1, 200 + i, c + h + m + lo, c, h, m, lo,
            (c + h) // 2, 100 + i, h // 4, rate,
        )
        buckets.append((day, snapshot))
    return DashboardData(end, (start, end), start, end, "day", buckets, None)


def timed(action) -> float:
    began = time.perf_counter()
    action()
    return time.perf_counter() - began


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=3650)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()

    app = QApplication.instance() or QApplication([])
    app.setStyleSheet(style_sheet())
    context = AppContext()
    view = DashboardView(context)
    view.resize(1280, 820)
    view.show()
    app.processEvents()
    data = make_data(args.days, date.today())

    def draw() -> None:
        view._loaded(data)  # the slot a reload's worker job delivers to
        view.grab()  # painted: layout, axes, curves (clip + peak downsampling)

    first = timed(draw)
    assert view.plotted_points() == {k: args.days for k in ("severity", "compliance", "overdue")}
    warm = [timed(draw) for _ in range(args.repeat)]
    x_mid = day_to_x(data.start + timedelta(days=args.days // 2))
    hover = [timed(lambda: (view.show_values_at(x_mid), view.grab())) for _ in range(args.repeat)]
    span = day_to_x(data.end) - day_to_x(data.start)

    def pan() -> None:
        box = view.charts["severity"].getPlotItem().vb
        x0, x1 = box.viewRange()[0]
        view.set_x_range(x0 - span * 0.05, x1 - span * 0.05)
        view.grab()

    panned = [timed(pan) for _ in range(args.repeat)]

    rows = [
        ("first draw (setData + painted grab)", first),
        ("draw, median", statistics.median(warm)),
        ("draw, worst", max(warm)),
        ("hover read-out + repaint, median", statistics.median(hover)),
        ("pan + repaint, median", statistics.median(panned)),
    ]
    print(f"Dashboard drawing {args.days:,} daily snapshots x 7 curves at 1280x820 "
          f"(Qt platform: {app.platformName()})")
    print(f"{'measure':<40} {'seconds':>9} {'target':>8} {'ok':>4}")
    for name, seconds in rows:
        target = TARGET_S if name.startswith(("first draw", "draw")) else None
        ok = "" if target is None else ("yes" if seconds <= target else "NO")
        shown = "" if target is None else f"{target:.2f}"
        print(f"{name:<40} {seconds:>9.3f} {shown:>8} {ok:>4}")
    view.close()
    return 0 if max(first, *warm) <= TARGET_S else 1


if __name__ == "__main__":
    raise SystemExit(main())
