"""The observation editor: edit, validation beside fields, transitions, conflicts, recurrence."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import factories
import obs_helpers

from auditdesk.data import observations as obs_data
from auditdesk.domain.changes import Changes, Table
from auditdesk.domain.enums import ObservationStatus, Role
from auditdesk.services import observations as observation_service
from auditdesk.ui.dialogs.observation_editor import ObservationEditor
from auditdesk.ui.views.observations import ObservationsView

obs_world = obs_helpers.obs_world


def _make(database, world, **fields):
    actor = factories.actor(world.tenant, world.manager)
    with database.sessions() as session, session.begin():
        return factories.observation(session, actor, **fields)


def _editor(qtbot, context, observation_id=None, **kwargs) -> ObservationEditor:
    editor = ObservationEditor(context, observation_id, **kwargs)
    qtbot.addWidget(editor)
    editor.show()
    qtbot.waitUntil(lambda: editor.is_loaded, timeout=10_000)
    return editor


def test_edit_and_save(qtbot, obs_world, database):
    found = _make(database, obs_world, title="Weak passwords", condition="Short passwords")
    editor = _editor(qtbot, obs_world.context, found.id)
    assert editor.title_edit.text() == "Weak passwords"
    assert editor.text_edits["condition"].toPlainText() == "Short passwords"
    editor.title_edit.setText("Weak password policy")
    editor.text_edits["recommendation"].setPlainText("Enforce 14 characters")
    with qtbot.waitSignal(obs_world.context.changed, timeout=10_000) as changed:
        editor.save()
    assert changed.args == [Changes.of(Table.OBSERVATION, [found.id])]
    with database.sessions() as session:
        saved = obs_data.get_observation(session, obs_world.tenant.id, found.id)
    assert saved.title == "Weak password policy"
    assert saved.recommendation == "Enforce 14 characters"
    assert saved.version == found.version + 1


def test_validation_message_beside_the_field_and_nothing_lost(qtbot, obs_world, database):
    found = _make(database, obs_world, title="Original")
    editor = _editor(qtbot, obs_world.context, found.id)
    editor.title_edit.setText("   ")
    editor.text_edits["cause"].setPlainText("typed cause")
    editor.due_edit.set_value(found.identified_on - timedelta(days=5))
    with qtbot.waitSignal(editor.problems_shown, timeout=5_000):
        editor.save()
    assert editor.errors["title"].isVisible()
    assert editor.errors["title"].text() == "Title is required"
    assert editor.errors["due_date"].text() == "Due date must not be before identified on"
    assert not editor.errors["severity"].isVisible()
    assert editor.isVisible()
    assert editor.text_edits["cause"].toPlainText() == "typed cause"
    # Database unchanged.
    with database.sessions() as session:
        assert obs_data.get_observation(session, obs_world.tenant.id, found.id).title == "Original"


def test_status_offers_only_allowed_transitions(qtbot, obs_world, database):
    found = _make(database, obs_world, status="closed")
    editor = _editor(qtbot, obs_world.context, found.id)
    statuses = [editor.status_combo.itemData(i) for i in range(editor.status_combo.count())]
    assert statuses == [
        ObservationStatus.CLOSED, ObservationStatus.OPEN, ObservationStatus.IN_REMEDIATION
    ]
    names = [editor.status_combo.itemText(i) for i in range(editor.status_combo.count())]
    assert names == ["Closed (no change)", "Reopen → Open", "Reopen into remediation → In remediation"]
    editor.close()

    opened = _make(database, obs_world, status="open")
    context = obs_world.context
    context.set_tenant(obs_world.tenant, obs_world.auditor)
    assert context.user.role is Role.AUDITOR
    editor = _editor(qtbot, context, opened.id)
    statuses = [editor.status_combo.itemData(i) for i in range(editor.status_combo.count())]
    assert ObservationStatus.RISK_ACCEPTED not in statuses
    # Open is never closed directly: remediation and validation come first.
    assert statuses == [ObservationStatus.OPEN, ObservationStatus.IN_REMEDIATION]
    editor.close()
    context.set_tenant(obs_world.tenant, obs_world.manager)
    editor = _editor(qtbot, context, opened.id)
    statuses = [editor.status_combo.itemData(i) for i in range(editor.status_combo.count())]
    assert ObservationStatus.RISK_ACCEPTED in statuses


def _change_behind_the_editors_back(database, world, found, **changes):
    other = factories.actor(world.tenant, world.auditor)
    with database.sessions() as session, session.begin():
        current = obs_data.get_observation(session, world.tenant.id, found.id)
        observation_service.update(
            session, other, found.id, replace(observation_service.draft_of(current), **changes), current.version
        )


def test_conflict_shows_both_versions_and_overwrite_saves_mine(qtbot, obs_world, database):
    found = _make(database, obs_world, title="Shared title", cause="old cause")
    editor = _editor(qtbot, obs_world.context, found.id)
    editor.title_edit.setText("My title")
    _change_behind_the_editors_back(
        database, obs_world, found, title="Their title", cause="their cause", severity="high"
    )

    with qtbot.waitSignal(editor.conflict_shown, timeout=10_000):
        editor.save()
    assert editor.isVisible() and editor.conflict.isVisible()
    rows = editor.conflict_rows()
    assert ("Title", "My title", "Their title") in rows
    assert ("Cause", "old cause", "their cause") in rows
    assert ("Severity", "Medium", "High") in rows
    assert "Alex Auditor" in editor.conflict_message.text()
    assert editor.title_edit.text() == "My title"  # nothing typed is lost

    with qtbot.waitSignal(editor.saved, timeout=10_000):
        editor.overwrite_button.click()
    with database.sessions() as session:
        saved = obs_data.get_observation(session, obs_world.tenant.id, found.id)
    assert (saved.title, saved.cause, saved.severity.value) == ("My title", "old cause", "medium")


def test_conflict_reload_takes_theirs(qtbot, obs_world, database):
    found = _make(database, obs_world, title="Shared title")
    editor = _editor(qtbot, obs_world.context, found.id)
    editor.title_edit.setText("My title")
    _change_behind_the_editors_back(database, obs_world, found, title="Their title")
    with qtbot.waitSignal(editor.conflict_shown, timeout=10_000):
        editor.save()
    editor.reload_button.click()
    assert not editor.conflict.isVisible()
    assert editor.title_edit.text() == "Their title"
    assert editor.version == found.version + 1
    # Saving after the reload uses the new version and succeeds.
    editor.text_edits["effect"].setPlainText("after reload")
    with qtbot.waitSignal(editor.saved, timeout=10_000):
        editor.save()
    with database.sessions() as session:
        saved = obs_data.get_observation(session, obs_world.tenant.id, found.id)
    assert (saved.title, saved.effect) == ("Their title", "after reload")


def test_new_observation_via_view(qtbot, obs_world, database):
    view = ObservationsView(obs_world.context)
    qtbot.addWidget(view)
    view.show()
    view.reload()
    editor = view.new_observation()
    qtbot.waitUntil(lambda: editor.is_loaded, timeout=10_000)
    editor.title_edit.setText("Brand new finding")
    with qtbot.waitSignal(editor.saved, timeout=10_000) as saved:
        editor.save()
    created = saved.args[0]
    assert created.ref == "OBS-000001"
    qtbot.waitUntil(lambda: view.model.total == 1, timeout=10_000)
    qtbot.waitUntil(lambda: view.selected_row() is not None and view.selected_row().id == created.id, timeout=10_000)


def test_record_recurrence_copies_text_and_links(qtbot, obs_world, database):
    actor = factories.actor(obs_world.tenant, obs_world.manager)
    with database.sessions() as session, session.begin():
        engagement = factories.engagement(session, actor, code="ENG-2026-500")
        earlier = factories.observation(
            session, actor, title="Segregation of duties", criteria="Policy 4.2",
            condition="Same person approves", identified_on=date.today() - timedelta(days=200),
        )
    editor = _editor(qtbot, obs_world.context, recurrence_of=earlier.id)
    assert editor.title_edit.text() == "Segregation of duties"
    assert editor.text_edits["criteria"].toPlainText() == "Policy 4.2"
    assert editor.repeat_label.text() == earlier.ref
    editor.engagement_combo.setCurrentIndex(editor.engagement_combo.findData(engagement.id))
    with qtbot.waitSignal(editor.saved, timeout=10_000) as saved:
        editor.save()
    created = saved.args[0]
    assert created.repeat_of_id == earlier.id
    assert created.engagement_id == engagement.id
    assert created.condition == "Same person approves"
    assert created.identified_on == date.today()


def test_repeat_picker_explains_a_cycle(qtbot, obs_world, database):
    day = date.today() - timedelta(days=50)
    first = _make(database, obs_world, title="First", identified_on=day)
    second = _make(database, obs_world, title="Second", identified_on=day, repeat_of_id=first.id)
    editor = _editor(qtbot, obs_world.context, first.id)
    picker = editor.pick_repeat()
    qtbot.waitUntil(lambda: picker.isVisible(), timeout=5_000)
    with qtbot.waitSignal(picker.refused, timeout=10_000):
        picker.choose(second.ref)
    assert picker.message.text() == (
        f"{first.ref} cannot repeat {second.ref}: {second.ref} already descends from "
        f"{first.ref}, so the link would make a cycle."
    )
    assert picker.message.isVisible() and picker.isVisible()
    assert editor.repeat_label.text().startswith("—")


def test_a_long_title_opens_showing_its_beginning(qtbot, obs_world, database):
    title = "Master data changes in the vendor master file not independently reviewed " * 2
    found = _make(database, obs_world, title=title.strip()[:200])
    editor = _editor(qtbot, obs_world.context, found.id)
    assert editor.title_edit.cursorPosition() == 0
