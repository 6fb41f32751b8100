"""What a new user tripped over in the forms (issue 13, "Dates and forms"): typeable and
clearable dates, the proposed engagement code, due date and recurrence engagement, a
new auditee typed in, the title limit said rather than cut, messages that go when fixed."""

from __future__ import annotations

from datetime import date, timedelta

import factories
import obs_helpers
import pytest
from PySide6.QtCore import QLocale

from auditdesk.domain.drafts import TITLE_MAX
from auditdesk.domain.enums import Severity
from auditdesk.domain.proposals import (
    EngagementCandidate,
    next_engagement_code,
    recurrence_engagement,
)
from auditdesk.ui.date_field import DateField, parse_date
from auditdesk.ui.dialogs.engagement_editor import EngagementEditor
from auditdesk.ui.dialogs.observation_editor import ObservationEditor

obs_world = obs_helpers.obs_world


@pytest.fixture
def british():
    QLocale.setDefault(QLocale(QLocale.Language.English, QLocale.Country.UnitedKingdom))
    yield
    QLocale.setDefault(QLocale.system())


def _editor(qtbot, context, observation_id=None, **kwargs) -> ObservationEditor:
    editor = ObservationEditor(context, observation_id, **kwargs)
    qtbot.addWidget(editor)
    editor.show()
    qtbot.waitUntil(lambda: editor.is_loaded, timeout=10_000)
    return editor


def _engagement_editor(qtbot, context) -> EngagementEditor:
    dialog = EngagementEditor(context)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: getattr(dialog, "choices_loaded", False), timeout=10_000)
    return dialog


# -- dates ---------------------------------------------------------------------------------------


def test_dates_parse_iso_compact_and_the_locales_short_format(british):
    assert parse_date("2026-10-01") == date(2026, 10, 1)
    assert parse_date(" 20261001 ") == date(2026, 10, 1)
    assert parse_date("01/10/2026") == date(2026, 10, 1)  # day first in the UK
    assert parse_date("01/10/26") == date(2026, 10, 1)  # not 1926
    assert parse_date("") is None
    assert parse_date("—20261001") is None
    assert parse_date("31/02/2026") is None


def test_an_empty_date_is_typed_opens_the_calendar_at_today_and_clears(qtbot, obs_world, british):
    editor = _editor(qtbot, obs_world.context)
    field = editor.original_due_edit
    assert field.value() is None and field.text() == ""
    assert field.open_calendar().selectedDate().toPython() == date.today()
    field.popup.hide()
    qtbot.keyClicks(field.edit, "2026-10-01")
    assert field.value() == date(2026, 10, 1)
    field.edit.clear()
    editor.activateWindow()
    field.edit.setFocus()
    qtbot.keyClicks(field.edit, "15/03/2027")
    editor.title_edit.setFocus()  # leaving the field keeps the date, in ISO
    assert field.value() == date(2027, 3, 15) and field.text() == "2027-03-15"
    assert field.open_calendar().selectedDate().toPython() == date(2027, 3, 15)
    field.popup.hide()
    field.edit.clear()
    assert field.value() is None
    assert editor.draft().original_due_date is None


def test_a_mistyped_date_is_one_message_and_nothing_is_saved(qtbot, obs_world):
    editor = _editor(qtbot, obs_world.context)
    editor.title_edit.setText("Keys not returned")
    qtbot.keyClicks(editor.original_due_edit.edit, "next week")
    editor.save()
    assert editor.errors["original_due_date"].text().startswith(
        "Original due date must be a date such as 2026-10-01"
    )
    assert editor.isVisible()
    editor.original_due_edit.edit.clear()
    assert editor.errors["original_due_date"].isHidden()


def test_a_required_date_is_never_empty_by_default():
    field = DateField(optional=False)
    assert field.value() == date.today()
    field.edit.clear()
    assert field.problem() == "is required"


# -- engagement editor ---------------------------------------------------------------------------


def test_new_engagement_proposes_the_next_free_code(qtbot, ui_context, database):
    year = date.today().year
    who = factories.actor(ui_context.tenant)
    with database.sessions.begin() as session:
        for number in (2, 14):
            factories.engagement(session, who, code=f"ENG-{year}-{number:03d}")
        factories.engagement(session, who, code=f"ENG-{year - 1}-099")
    dialog = _engagement_editor(qtbot, ui_context)
    qtbot.waitUntil(lambda: dialog.code.text() != "")
    assert dialog.code.text() == f"ENG-{year}-015"


def test_next_code_rule():
    assert next_engagement_code([], 2026) == "ENG-2026-001"
    assert next_engagement_code(["ENG-2026-009", "eng-2026-010", "ENG-2026-X"], 2026) == "ENG-2026-011"
    assert next_engagement_code(["ENG-2026-1200"], 2026) == "ENG-2026-1201"


def test_a_new_auditee_is_typed_even_when_it_begins_a_known_one(qtbot, ui_context, database):
    with database.sessions.begin() as session:
        factories.engagement(session, factories.actor(ui_context.tenant), auditee="Finance and Tax")
    dialog = _engagement_editor(qtbot, ui_context)
    assert dialog.auditee.findText("Finance and Tax") >= 0
    dialog.auditee.setFocus()
    qtbot.keyClicks(dialog.auditee, "Finance")
    dialog.title_edit.setFocus()
    assert dialog.auditee.currentText() == "Finance"
    assert dialog.draft().auditee == "Finance"


def test_engagement_messages_clear_as_soon_as_each_field_is_valid(qtbot, ui_context):
    dialog = _engagement_editor(qtbot, ui_context)
    dialog.code.setText("bad code!")
    dialog.title_edit.setText("")
    dialog.save()
    assert not dialog.errors["code"].isHidden() and not dialog.errors["title"].isHidden()
    dialog.code.setText("ENG-2030-001")
    assert dialog.errors["code"].isHidden()
    assert not dialog.errors["title"].isHidden()  # still empty: its message stays
    dialog.title_edit.setText("Liquidity")
    assert dialog.errors["title"].isHidden()


# -- observation editor --------------------------------------------------------------------------


def test_a_pasted_long_title_is_kept_and_the_message_names_the_same_limit(qtbot, obs_world):
    editor = _editor(qtbot, obs_world.context)
    pasted = "x" * 640
    editor.title_edit.setText(pasted)
    assert editor.title_edit.text() == pasted  # nothing cut silently
    message = editor.errors["title"]
    assert not message.isHidden()  # said at once, before Save
    assert message.text() == f"Title must be at most {TITLE_MAX} characters (has 640)"
    editor.title_edit.setText("x" * TITLE_MAX)
    assert message.isHidden()


def test_the_proposed_due_date_shows_in_the_field_before_saving(qtbot, obs_world):
    editor = _editor(qtbot, obs_world.context)
    identified = editor.identified_edit.value()
    medium = identified + timedelta(days=Severity.MEDIUM.default_due_days)
    assert editor.due_edit.value() == medium
    assert not editor.due_hint.isHidden() and "180 days" in editor.due_hint.text()
    editor.severity_combo.setCurrentIndex(editor.severity_combo.findData(Severity.CRITICAL))
    assert editor.due_edit.value() == identified + timedelta(days=30)
    editor.due_edit.edit.clear()
    qtbot.keyClicks(editor.due_edit.edit, "2030-01-31")
    assert editor.due_hint.isHidden()
    editor.severity_combo.setCurrentIndex(editor.severity_combo.findData(Severity.LOW))
    assert editor.due_edit.value() == date(2030, 1, 31)  # the user's date is kept


def test_observation_messages_clear_as_soon_as_each_field_is_valid(qtbot, obs_world):
    editor = _editor(qtbot, obs_world.context)
    editor.title_edit.setText("")
    editor.due_edit.set_value(editor.identified_edit.value() - timedelta(days=3))
    editor.save()
    assert not editor.errors["title"].isHidden() and not editor.errors["due_date"].isHidden()
    editor.title_edit.setText("Cash count")
    assert editor.errors["title"].isHidden()
    assert not editor.errors["due_date"].isHidden()
    editor.due_edit.set_value(editor.identified_edit.value() + timedelta(days=3))
    assert editor.errors["due_date"].isHidden()


def test_record_recurrence_proposes_the_auditees_engagement_in_fieldwork(qtbot, obs_world, database):
    actor = factories.actor(obs_world.tenant, obs_world.manager)
    with database.sessions.begin() as session:
        earlier_audit = factories.engagement(session, actor, auditee="Payroll", status="closed")
        factories.engagement(session, actor, auditee="Treasury", status="fieldwork")
        factories.engagement(session, actor, auditee="Payroll", status="planned")
        current = factories.engagement(session, actor, auditee="payroll ", status="fieldwork")
        earlier = factories.observation(
            session, actor, engagement_id=earlier_audit.id,
            identified_on=date.today() - timedelta(days=300),
        )
    editor = _editor(qtbot, obs_world.context, recurrence_of=earlier.id)
    qtbot.waitUntil(lambda: editor.engagement_combo.currentData() == current.id, timeout=10_000)


def test_recurrence_engagement_rule():
    def candidate(id_, auditee="Payroll", status="fieldwork", start=None):
        from auditdesk.domain.enums import EngagementStatus

        return EngagementCandidate(id_, auditee, EngagementStatus(status), start)

    assert recurrence_engagement("Payroll", []) is None
    assert recurrence_engagement(None, [candidate(1)]) is None
    assert recurrence_engagement("Payroll", [candidate(1)], earlier_id=1) is None
    assert recurrence_engagement(
        "payroll", [candidate(1, start=date(2026, 1, 1)), candidate(2, start=date(2026, 5, 1)),
                    candidate(3, status="planned", start=date(2027, 1, 1))]
    ) == 2
