"""The editor proposes earlier findings it may repeat, unasked; one click links; the
repeat picker ranks the same way."""

from __future__ import annotations

from datetime import date

import factories
import obs_helpers
from PySide6.QtCore import Qt

from auditdesk.data import observations as obs_data
from auditdesk.ui.dialogs.observation_editor import ObservationEditor
from auditdesk.ui.dialogs.repeat_picker import RepeatPicker

obs_world = obs_helpers.obs_world


def _history(database, world):
    actor = factories.actor(world.tenant, world.manager)
    with database.sessions() as s, s.begin():
        ap = factories.engagement(s, actor, auditee="Accounts Payable")
        old = factories.observation(
            s, actor, title="Duplicate supplier invoices paid", engagement_id=ap.id,
            identified_on=date(2023, 3, 1), condition="37 supplier invoices were paid twice.")
        other = factories.observation(
            s, actor, title="Inactive vendors in the master file", engagement_id=ap.id,
            identified_on=date(2023, 4, 1), condition="Vendors without activity for years.")
        linked = factories.observation(
            s, actor, title="Invoices paid twice again", engagement_id=ap.id,
            identified_on=date(2024, 4, 1), condition="Invoices paid twice.", repeat_of_id=old.id)
    return ap, old, other, linked


def test_a_new_finding_is_offered_its_earlier_repeat_and_one_click_links(qtbot, obs_world, database):
    ap, old, other, linked = _history(database, obs_world)
    editor = ObservationEditor(obs_world.context, engagement_id=ap.id)
    qtbot.addWidget(editor)
    editor.show()
    qtbot.waitUntil(lambda: editor.is_loaded, timeout=10_000)
    with qtbot.waitSignal(editor.suggestions.suggestions_shown, timeout=10_000,
                          check_params_cb=lambda n: n > 0):
        editor.title_edit.setText("Vendor invoices settled two times")
        editor.text_edits["condition"].setPlainText("Twelve supplier invoices were paid twice.")
    panel = editor.suggestions
    assert panel.isVisible()
    assert panel.suggestions[0].ref == old.ref
    first_button = panel.rows.itemAtPosition(0, 1).widget()
    qtbot.mouseClick(first_button, Qt.MouseButton.LeftButton)
    assert editor.repeat_label.text() == old.ref
    assert not panel.isVisible()  # a finding with a link is not offered more
    with qtbot.waitSignal(editor.saved, timeout=10_000) as saved:
        editor.save()
    with database.sessions() as s:
        assert obs_data.get_observation(s, obs_world.tenant.id, saved.args[0].id).repeat_of_id == old.id


def test_a_linked_finding_shows_no_suggestions(qtbot, obs_world, database):
    ap, old, other, linked = _history(database, obs_world)
    editor = ObservationEditor(obs_world.context, linked.id)
    qtbot.addWidget(editor)
    editor.show()
    qtbot.waitUntil(lambda: editor.is_loaded, timeout=10_000)
    qtbot.wait(700)
    assert not editor.suggestions.isVisible()


def test_the_picker_ranks_like_the_suggestions(qtbot, obs_world, database):
    ap, old, other, linked = _history(database, obs_world)
    actor = factories.actor(obs_world.tenant, obs_world.manager)
    with database.sessions() as s, s.begin():
        new = factories.observation(
            s, actor, title="Vendor invoices settled two times", engagement_id=ap.id,
            identified_on=date(2025, 1, 1), condition="Supplier invoices were paid twice.")
    picker = RepeatPicker(obs_world.context, new.id, new.identified_on, later_ref=new.ref)
    qtbot.addWidget(picker)
    picker.show()
    qtbot.waitUntil(lambda: picker.table.rowCount() > 0, timeout=10_000)
    assert picker.table.item(0, 0).text() == old.ref  # its own text, unasked
    with qtbot.waitSignal(picker.candidates_loaded, timeout=10_000):
        picker.search.setText("inactive vendors master file")
    assert picker.table.item(0, 0).text() == other.ref
    with qtbot.waitSignal(picker.candidates_loaded, timeout=10_000):
        picker.search.setText(linked.ref)
    assert picker.table.item(0, 0).text() == linked.ref
    assert picker.table.item(0, 4).text() == "typed"
