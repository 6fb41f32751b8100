"""First start of an embedded workspace: "Who works here?" — the person's name and
e-mail address, proposed from the operating-system account. Every change made in the
workspace is then recorded as them (``services.workspace_person``).

The answer is checked by the same rules as any application user; each field says its
own problem and the dialog stays open until both are right. Closing it leaves the
changes of this session to the workspace owner; the next start asks again.
"""

from __future__ import annotations

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from auditdesk.domain.errors import ValidationError
from auditdesk.services.workspace_person import WorkspacePerson, validated_person
from auditdesk.ui import theme


class PersonDialog(QDialog):
    """``person`` holds the validated answer once the dialog was accepted."""

    def __init__(self, proposed: WorkspacePerson, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("personDialog")
        self.setWindowTitle("Who works in this workspace?")
        self.setMinimumWidth(460)
        self.person: WorkspacePerson | None = None
        intro = QLabel(
            "This workspace is yours. AuditDesk records every change you make here under "
            "your name, so that the audit trail says who did it.", self,
        )
        intro.setWordWrap(True)
        self.name = QLineEdit(proposed.display_name, self)
        self.name.setObjectName("personName")
        self.email = QLineEdit(proposed.email, self)
        self.email.setObjectName("personEmail")
        self.messages = {"display_name": QLabel(self), "email": QLabel(self)}
        for label in self.messages.values():
            label.setStyleSheet(f"color:{theme.ERROR_FG};")
            label.setWordWrap(True)
            label.hide()
        form = QFormLayout()
        form.addRow("Name", self.name)
        form.addRow("", self.messages["display_name"])
        form.addRow("E-mail", self.email)
        form.addRow("", self.messages["email"])
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText("Not now")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.buttons)
        self.name.textEdited.connect(lambda _t: self.messages["display_name"].hide())
        self.email.textEdited.connect(lambda _t: self.messages["email"].hide())

    def accept(self) -> None:
        """Keep the dialog open, with each field's problem, until the answer is valid."""
        try:
            self.person = validated_person(self.name.text(), self.email.text())
        except ValidationError as error:
            for field, label in self.messages.items():
                problem = error.problems.get(field)
                label.setText(f"{'Name' if field == 'display_name' else 'E-mail'} {problem}"
                              if problem else "")
                label.setVisible(bool(problem))
            return
        super().accept()
