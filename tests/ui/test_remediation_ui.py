"""Remediation in the desktop client: the editor's Action plan tab edited in place, the
"Record validation…" dialog, the questions a risk acceptance, a close without validation
and a due-date extension ask before saving, and the admin's due-date policy dialog —
each on a real QApplication against the test database."""

from __future__ import annotations

from datetime import timedelta

import factories
import obs_helpers

from auditdesk.data import observations as obs_data
from auditdesk.domain.enums import ActionStatus, ObservationStatus, Role
from auditdesk.services.remediation import actions as action_service
from auditdesk.services.remediation import validation as validation_service
from auditdesk.ui.dialogs.action_plan import PERCENT, STATUS, TITLE
from auditdesk.ui.dialogs.due_policy import DuePolicyDialog
from auditdesk.ui.dialogs.observation_editor import ObservationEditor
from auditdesk.ui.role_reasons import ONLY_ADMINS_DUE_POLICY, OWN_FINDING_VALIDATION

obs_world = obs_helpers.obs_world


def _make(database, world, **fields):
    with database.sessions() as session, session.begin():
        return factories.observation(session, factories.actor(world.tenant), **fields)


def _editor(qtbot, context, observation_id) -> ObservationEditor:
    editor = ObservationEditor(context, observation_id)
    qtbot.addWidget(editor)
    editor.show()
    qtbot.waitUntil(lambda: editor.is_loaded, timeout=10_000)
    qtbot.waitUntil(lambda: editor.tabs.action_plan.observation_id is not None, timeout=10_000)
    return editor


def _stored(database, world, observation_id):
    with database.sessions() as session:
        return obs_data.get_observation(session, world.tenant.id, observation_id)


def _actions(database, world, observation_id):
    with database.sessions() as session:
        return action_service.list_actions(session, world.tenant.id, observation_id)


def test_the_action_plan_is_added_to_and_edited_in_place(qtbot, obs_world, database):
    found = _make(database, obs_world, status="in_remediation", owner_id=obs_world.auditor.id)
    editor = _editor(qtbot, obs_world.context, found.id)
    assert [editor.tabs.tabText(i) for i in range(editor.tabs.count())] == [
        "Finding", "Action plan", "Validation", "Evidence"]
    panel = editor.tabs.action_plan
    assert panel.add_button.isEnabled()
    with qtbot.waitSignal(panel.loaded, timeout=10_000):
        panel.add_action()
    qtbot.waitUntil(lambda: panel.model.rowCount() == 1, timeout=10_000)
    model = panel.model
    assert model.rows[0].owner_id == obs_world.auditor.id  # the finding's owner by default
    with qtbot.waitSignal(panel.loaded, timeout=10_000):
        model.setData(model.index(0, TITLE), "Rewrite the approval matrix")
    qtbot.waitUntil(lambda: model.rows[0].title == "Rewrite the approval matrix", timeout=10_000)
    with qtbot.waitSignal(panel.loaded, timeout=10_000):
        model.setData(model.index(0, PERCENT), 100)  # 100 % marks it done
    qtbot.waitUntil(lambda: model.rows[0].status is ActionStatus.DONE, timeout=10_000)
    assert model.index(0, STATUS).data().startswith("Done on ")
    assert panel.summary.text() == "1 of 1 done"
    (stored,) = _actions(database, obs_world, found.id)
    assert (stored.percent_complete, stored.completed_on) == (100, obs_world.context.today())
    panel.table.selectRow(0)
    with qtbot.waitSignal(panel.loaded, timeout=10_000):
        panel.delete_selected()
    qtbot.waitUntil(lambda: model.rowCount() == 0, timeout=10_000)
    assert _actions(database, obs_world, found.id) == []


def test_a_refused_edit_shows_its_message_and_keeps_the_stored_row(qtbot, obs_world, database):
    found = _make(database, obs_world, status="in_remediation", owner_id=obs_world.auditor.id)
    editor = _editor(qtbot, obs_world.context, found.id)
    panel = editor.tabs.action_plan
    with qtbot.waitSignal(panel.loaded, timeout=10_000):
        panel.add_action()
    qtbot.waitUntil(lambda: panel.model.rowCount() == 1, timeout=10_000)
    with qtbot.waitSignal(panel.failed, timeout=10_000) as failed:
        panel.model.setData(panel.model.index(0, TITLE), "   ")
    assert "say what will be done" in failed.args[0]
    assert panel.message.isVisibleTo(panel)
    assert _actions(database, obs_world, found.id)[0].title == "New action"


def test_record_validation_dialog_fails_then_passes(qtbot, obs_world, database):
    found = _make(database, obs_world, status="pending_validation",
                  owner_id=obs_world.auditor.id)
    editor = _editor(qtbot, obs_world.context, found.id)
    panel = editor.tabs.validation
    assert panel.record_button.isEnabled()  # the manager signed in does not own it
    dialog = panel.open_dialog()
    dialog.failed.setChecked(True)
    dialog.record()
    assert "say what is still wrong" in dialog.problem.text()
    dialog.notes.setPlainText("Two of five samples lack approval")
    with qtbot.waitSignal(panel.validated, timeout=10_000):
        dialog.record()
    assert _stored(database, obs_world, found.id).status is ObservationStatus.IN_REMEDIATION
    qtbot.waitUntil(lambda: panel.history.topLevelItemCount() == 1, timeout=10_000)
    assert panel.history.topLevelItem(0).text(1) == "Failed"
    assert not panel.record_button.isEnabled()  # no longer pending validation


def test_the_owner_may_not_record_the_validation(qtbot, obs_world, database):
    found = _make(database, obs_world, status="pending_validation",
                  owner_id=obs_world.manager.id)
    editor = _editor(qtbot, obs_world.context, found.id)
    button = editor.tabs.validation.record_button
    assert not button.isEnabled() and button.toolTip() == OWN_FINDING_VALIDATION


def test_accepting_a_risk_asks_for_the_justification_and_the_expiry(qtbot, obs_world, database):
    found = _make(database, obs_world, status="open")
    editor = _editor(qtbot, obs_world.context, found.id)
    editor.status_combo.setCurrentIndex(editor.status_combo.findData(ObservationStatus.RISK_ACCEPTED))
    editor.save()
    dialog = editor.prompts.dialog
    assert dialog is not None and dialog.objectName() == "riskAcceptanceDialog"
    today = obs_world.context.today()
    dialog.until.set_value(today + timedelta(days=4 * 365))
    dialog.confirm()
    assert "three years ahead" in dialog.problem.text()
    dialog.until.set_value(today + timedelta(days=180))
    dialog.reason.setPlainText("Compensating monthly review by Finance")
    with qtbot.waitSignal(editor.saved, timeout=10_000):
        dialog.confirm()
    stored = _stored(database, obs_world, found.id)
    assert stored.status is ObservationStatus.RISK_ACCEPTED
    assert stored.risk_accepted_until == today + timedelta(days=180)
    assert stored.risk_acceptance_reason == "Compensating monthly review by Finance"


def test_extending_the_due_date_asks_why_and_cancel_saves_nothing(qtbot, obs_world, database):
    found = _make(database, obs_world, status="in_remediation")
    editor = _editor(qtbot, obs_world.context, found.id)
    later = found.due_date + timedelta(days=30)
    editor.due_edit.set_value(later)
    editor.save()
    dialog = editor.prompts.dialog
    assert dialog.objectName() == "reasonDialog" and "is kept" in dialog.prompt.text()
    dialog.reject()
    assert _stored(database, obs_world, found.id).due_date == found.due_date
    editor.save()
    dialog = editor.prompts.dialog
    dialog.reason.setPlainText("Vendor delivers the patch in March")
    with qtbot.waitSignal(editor.saved, timeout=10_000):
        dialog.confirm()
    stored = _stored(database, obs_world, found.id)
    assert (stored.due_date, stored.original_due_date) == (later, found.due_date)
    assert stored.due_date_extension_reason == "Vendor delivers the patch in March"


def test_an_auditor_is_offered_neither_close_nor_accept_risk(qtbot, obs_world, database):
    found = _make(database, obs_world, status="pending_validation")
    obs_world.context.set_tenant(obs_world.tenant, obs_world.auditor)
    editor = _editor(qtbot, obs_world.context, found.id)
    offered = [editor.status_combo.itemData(i) for i in range(editor.status_combo.count())]
    assert ObservationStatus.CLOSED not in offered
    assert ObservationStatus.IN_REMEDIATION in offered


def test_the_due_policy_dialog_is_for_admins(qtbot, obs_world, database):
    dialog = DuePolicyDialog(obs_world.context)  # a manager is signed in
    qtbot.addWidget(dialog)
    with qtbot.waitSignal(dialog.loaded, timeout=10_000):
        dialog.show()
    assert not dialog.save_button.isEnabled()
    assert dialog.save_button.toolTip() == ONLY_ADMINS_DUE_POLICY
    with database.sessions() as session, session.begin():
        admin = factories.user(session, obs_world.tenant.id, Role.ADMIN, "Ada Admin")
    obs_world.context.set_tenant(obs_world.tenant, admin)
    dialog = DuePolicyDialog(obs_world.context)
    qtbot.addWidget(dialog)
    with qtbot.waitSignal(dialog.loaded, timeout=10_000):
        dialog.show()
    dialog.fields[next(iter(dialog.fields))].setValue(14)  # critical
    with qtbot.waitSignal(dialog.saved, timeout=10_000):
        dialog.save()
    with database.sessions() as session:
        from auditdesk.services.remediation import policy

        assert policy.due_date_policy(session, obs_world.tenant.id).days_for("critical") == 14


def test_validation_history_lists_who_validated(qtbot, obs_world, database):
    found = _make(database, obs_world, status="pending_validation",
                  owner_id=obs_world.auditor.id)
    with database.sessions() as session, session.begin():
        from auditdesk.domain.remediation import ValidationDraft

        validation_service.record_validation(
            session, factories.actor(obs_world.tenant, obs_world.manager), found.id,
            ValidationDraft(obs_world.context.today(), "passed", "Sampled 25 payments"),
        )
    editor = _editor(qtbot, obs_world.context, found.id)
    history = editor.tabs.validation.history
    qtbot.waitUntil(lambda: history.topLevelItemCount() == 1, timeout=10_000)
    item = history.topLevelItem(0)
    assert (item.text(1), item.text(2)) == ("Passed", "Maria Manager")
    assert "closed" in editor.tabs.validation.state.text().lower()
