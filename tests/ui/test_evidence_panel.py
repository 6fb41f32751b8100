"""The observation editor's evidence panel on a real QApplication and database: adding
(Add… and files dropped as QMimeData on the panel and on the editor), the progress bar
and Cancel, Open through the default application, Save as, Remove with its rule in the
tooltip."""

from __future__ import annotations

import os
from pathlib import Path

import factories
import obs_helpers
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QApplication, QMessageBox
from sqlalchemy import text

from auditdesk.domain.evidence import CHUNK_BYTES
from auditdesk.domain.records import Actor
from auditdesk.services import evidence
from auditdesk.ui.dialogs.evidence_panel import NOT_SAVED_YET
from auditdesk.ui.dialogs.observation_editor import ObservationEditor

obs_world = obs_helpers.obs_world


def _finding(database, world):
    actor = factories.actor(world.tenant, world.manager)
    with database.sessions.begin() as session:
        return factories.observation(session, actor)


def _editor(qtbot, context, observation_id):
    editor = ObservationEditor(context, observation_id)
    qtbot.addWidget(editor)
    editor.show()
    qtbot.waitUntil(lambda: editor.is_loaded, timeout=10_000)
    editor.tabs.setCurrentWidget(editor.evidence)  # the evidence list is the editor's fourth tab
    return editor


def _count(database) -> int:
    with database.engine.connect() as c:
        return c.execute(text("SELECT count(*) FROM attachment")).scalar_one()


def _drop(widget, paths) -> QDropEvent:
    data = QMimeData()
    data.setUrls([QUrl.fromLocalFile(str(p)) for p in paths])
    actions = Qt.DropAction.CopyAction
    enter = QDragEnterEvent(QPoint(5, 5), actions, data, Qt.MouseButton.LeftButton,
                            Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(widget, enter)
    assert enter.isAccepted()
    drop = QDropEvent(QPointF(5, 5), actions, data, Qt.MouseButton.LeftButton,
                      Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(widget, drop)
    return drop


def test_add_shows_the_file_in_the_list_with_who_and_when(qtbot, obs_world, database, tmp_path):
    found = _finding(database, obs_world)
    editor = _editor(qtbot, obs_world.context, found.id)
    panel = editor.evidence
    qtbot.waitUntil(lambda: panel.add_button.isEnabled())
    source = tmp_path / "stock count sheet.pdf"
    source.write_bytes(os.urandom(2 * CHUNK_BYTES + 10))
    with qtbot.waitSignal(panel.listed, timeout=20_000), \
            qtbot.waitSignal(panel.finished, timeout=20_000):
        panel.add_files([source])
        assert panel.progress.isVisible() and panel.cancel_button.isVisible()
        assert not panel.add_button.isEnabled()
    item = panel.tree.topLevelItem(0)
    assert [item.text(c) for c in range(3)] == ["stock count sheet.pdf", "2.0 MB", "Maria Manager"]
    assert item.text(3)[:4].isdigit()
    assert panel.status.text() == "Added stock count sheet.pdf."
    assert not panel.progress.isVisible()


def test_files_dropped_on_the_panel_and_on_the_editor_are_uploaded(qtbot, obs_world, database,
                                                                   tmp_path):
    found = _finding(database, obs_world)
    editor = _editor(qtbot, obs_world.context, found.id)
    panel = editor.evidence
    qtbot.waitUntil(lambda: panel.may_add)
    first, second, third = (tmp_path / n for n in ("a.png", "b.jpg", "c.txt"))
    for path in (first, second, third):
        path.write_bytes(b"content of " + path.name.encode())
    drop = _drop(panel, [first, second])
    assert drop.isAccepted()
    qtbot.waitUntil(lambda: panel.tree.topLevelItemCount() == 2 and not panel._busy,
                    timeout=20_000)
    _drop(editor, [third])  # anywhere on the finding's editor
    qtbot.waitUntil(lambda: panel.tree.topLevelItemCount() == 3 and not panel._busy,
                    timeout=20_000)
    names = sorted(panel.tree.topLevelItem(i).text(0) for i in range(3))
    assert names == ["a.png", "b.jpg", "c.txt"]
    assert _count(database) == 3


def test_cancel_leaves_nothing_behind(qtbot, obs_world, database, tmp_path):
    found = _finding(database, obs_world)
    editor = _editor(qtbot, obs_world.context, found.id)
    panel = editor.evidence
    qtbot.waitUntil(lambda: panel.may_add)
    source = tmp_path / "scan.tif"
    source.write_bytes(os.urandom(40 * CHUNK_BYTES))
    panel._progress.moved.connect(lambda done, total: panel.cancel() if done else None)
    with qtbot.waitSignal(panel.finished, timeout=30_000) as ended:
        panel.add_files([source])
    assert ended.args == ["Cancelled; nothing was kept."]
    assert _count(database) == 0 and panel.tree.topLevelItemCount() == 0


def test_open_save_as_and_remove(qtbot, obs_world, database, tmp_path):
    found = _finding(database, obs_world)
    content = os.urandom(CHUNK_BYTES + 3)
    source = tmp_path / "interview notes.docx"
    source.write_bytes(content)
    manager = factories.actor(obs_world.tenant, obs_world.manager)
    with database.sessions.begin() as session:
        evidence.upload(session, manager, found.id, source)
    editor = _editor(qtbot, obs_world.context, found.id)
    panel = editor.evidence
    qtbot.waitUntil(lambda: panel.tree.topLevelItemCount() == 1)
    assert not panel.open_button.isEnabled()
    assert panel.open_button.toolTip() == "Choose a file in the list first."
    panel.tree.topLevelItem(0).setSelected(True)
    opened = []
    panel.open_url = lambda url: opened.append(url.toLocalFile()) or True
    with qtbot.waitSignal(panel.finished, timeout=20_000):
        panel.open_button.click()
    assert len(opened) == 1 and Path(opened[0]).read_bytes() == content
    assert opened[0].endswith("interview notes.docx")
    target = tmp_path / "saved.docx"
    with qtbot.waitSignal(panel.finished, timeout=20_000):
        panel.save_to(panel.selected(), target)
    assert target.read_bytes() == content and "checksum verified" in panel.status.text()
    qtbot.waitUntil(lambda: panel.remove_button.isEnabled())
    box = panel.confirm_remove()
    assert box is not None and "interview notes.docx" in box.text()
    with qtbot.waitSignal(panel.listed, timeout=20_000):
        box.done(QMessageBox.StandardButton.Yes)
    assert panel.tree.topLevelItemCount() == 0 and _count(database) == 0


def test_remove_is_disabled_with_the_reason_for_someone_elses_file(qtbot, obs_world, database,
                                                                 tmp_path):
    found = _finding(database, obs_world)
    source = tmp_path / "policy.pdf"
    source.write_bytes(b"%PDF-1.4")
    with database.sessions.begin() as session:
        evidence.upload(session, factories.actor(obs_world.tenant, obs_world.manager),
                        found.id, source)
    obs_world.context.set_user(obs_world.auditor)
    editor = _editor(qtbot, obs_world.context, found.id)
    panel = editor.evidence
    qtbot.waitUntil(lambda: panel.tree.topLevelItemCount() == 1)
    panel.tree.topLevelItem(0).setSelected(True)
    assert isinstance(obs_world.context.actor, Actor)
    assert not panel.remove_button.isEnabled()
    assert "Only the person who uploaded it, a manager or an admin" in panel.remove_button.toolTip()
    assert panel.open_button.isEnabled() and panel.save_button.isEnabled()


def test_a_new_finding_says_to_save_first(qtbot, obs_world):
    editor = ObservationEditor(obs_world.context, None)
    qtbot.addWidget(editor)
    editor.show()
    qtbot.waitUntil(lambda: editor.is_loaded, timeout=10_000)
    panel = editor.evidence
    assert not panel.add_button.isEnabled()
    assert panel.add_button.toolTip() == NOT_SAVED_YET
    assert panel.hint.text() == NOT_SAVED_YET
