"""The repeat review queue: pending suggestions side by side, decided by keyboard."""

from __future__ import annotations

from datetime import date

import factories
import obs_helpers
from PySide6.QtCore import Qt
from sqlalchemy import text

from auditdesk.services import repeats
from auditdesk.ui.views.review_queue import ReviewQueueView

obs_world = obs_helpers.obs_world


def _pending(database, world):
    actor = factories.actor(world.tenant, world.manager)
    with database.sessions() as s, s.begin():
        ap = factories.engagement(s, actor, auditee="Accounts Payable")
        tr = factories.engagement(s, actor, auditee="Treasury")
        made = {}
        for key, title, condition, day, engagement in (
            ("old", "Duplicate supplier invoices paid", "37 invoices paid twice to suppliers.",
             date(2023, 3, 1), ap),
            ("new", "Invoices from one vendor paid two times", "Twelve invoices paid twice.",
             date(2025, 3, 1), ap),
            ("bank", "Bank reconciliations late", "Reconciliations of bank accounts were late.",
             date(2023, 5, 1), tr),
            ("bank2", "Late reconciliation of bank statements", "Bank accounts reconciled late.",
             date(2025, 5, 1), tr),
        ):
            made[key] = factories.observation(s, actor, title=title, condition=condition,
                                              identified_on=day, engagement_id=engagement.id)
        repeats.detect(s, actor, min_score=0.05)
    return made


def test_queue_shows_both_sides_and_decides_by_keyboard(qtbot, obs_world, database):
    made = _pending(database, obs_world)
    view = ReviewQueueView(obs_world.context)
    qtbot.addWidget(view)
    view.resize(1280, 800)
    view.show()
    with qtbot.waitSignal(view.queue_loaded, timeout=10_000):
        view.reload()
    assert view.table.rowCount() >= 2
    scores = [item.score for item in view.items]
    assert scores == sorted(scores, reverse=True)
    pair = {(i.later.id, i.earlier.id) for i in view.items}
    assert (made["new"].id, made["old"].id) in pair and (made["bank2"].id, made["bank"].id) in pair
    # filter by auditee
    with qtbot.waitSignal(view.queue_loaded, timeout=10_000):
        view.auditee.setCurrentIndex(view.auditee.findData("Treasury"))
    assert [(i.later.id, i.earlier.id) for i in view.items] == [(made["bank2"].id, made["bank"].id)]
    item = view.current_item()
    assert made["bank2"].ref in view.later.toPlainText() and "Condition" in view.later.toPlainText()
    assert made["bank"].ref in view.earlier.toPlainText()
    assert "score" in view.reasons.text()
    # Accept with the keyboard: the pair is linked, the queue moves on.
    view.table.setFocus()
    with qtbot.waitSignal(view.decided, timeout=10_000) as decided:
        qtbot.keyClick(view.table, Qt.Key.Key_A)
    assert decided.args == ["accepted"]
    assert view.table.rowCount() == 0
    with database.engine.connect() as c:
        linked = c.execute(text("SELECT repeat_of_id FROM observation WHERE id = :id"),
                           {"id": item.later.id}).scalar_one()
    assert linked == item.earlier.id
    # Reject the other one with R; it is remembered.
    with qtbot.waitSignal(view.queue_loaded, timeout=10_000):
        view.auditee.setCurrentIndex(0)
    view.table.setFocus()
    with qtbot.waitSignal(view.decided, timeout=10_000) as decided:
        qtbot.keyClick(view.table, Qt.Key.Key_R)
    assert decided.args == ["rejected"]
    with database.engine.connect() as c:
        statuses = sorted(c.execute(text("SELECT status FROM repeat_suggestion")).scalars())
    assert "accepted" in statuses and "rejected" in statuses


def test_skip_moves_on_and_auditors_cannot_decide(qtbot, obs_world, database):
    _pending(database, obs_world)
    obs_world.context.set_tenant(obs_world.tenant, obs_world.auditor)
    view = ReviewQueueView(obs_world.context)
    qtbot.addWidget(view)
    view.show()
    with qtbot.waitSignal(view.queue_loaded, timeout=10_000):
        view.reload()
    assert not view.accept_button.isEnabled() and not view.reject_button.isEnabled()
    assert view.who_may.isVisible()
    first = view.table.currentRow()
    view.table.setFocus()
    qtbot.keyClick(view.table, Qt.Key.Key_S)
    assert view.table.currentRow() == first + 1
    qtbot.keyClick(view.table, Qt.Key.Key_A)  # refused quietly: nothing decided
    with database.engine.connect() as c:
        assert c.execute(text("SELECT count(*) FROM repeat_suggestion WHERE status <> 'pending'")).scalar_one() == 0
