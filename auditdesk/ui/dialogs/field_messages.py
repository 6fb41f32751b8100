"""The message under each field of an editor: where it sits, when it shows and when it goes.

Both editors (observation and engagement) follow one rule (docs/architecture.md, "How
errors reach a user"): on Save every problem is shown under its field and the first of
those fields takes the focus; while the user types, a message that is shown follows its
field and goes as soon as the field is valid, and text over a field's limit is said at
once, before Save. A problem that belongs to no field is handed back for the editor's
own banner.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping

from PySide6.QtWidgets import QLabel, QSizePolicy, QVBoxLayout, QWidget

from auditdesk.ui.date_field import DateField

#: The start of the domain's message for text over a field's limit (said at once).
OVER_LIMIT = "must be at most"


class FieldMessages:
    """The widgets of a form by field name (``widgets``) and the message label under each
    (``labels``). ``wording(field, message)`` makes the text a label shows."""

    def __init__(
        self,
        wording: Callable[[str, str], str],
        *,
        label_name: Callable[[str], str] = lambda _field: "fieldError",
        label_style: str = "",
        mark_invalid: bool = False,
        expanding: bool = False,
    ):
        self.wording = wording
        self.widgets: dict[str, QWidget] = {}
        self.labels: dict[str, QLabel] = {}
        self._label_name = label_name
        self._label_style = label_style
        self._mark_invalid = mark_invalid
        self._expanding = expanding

    def holder(self, name: str, widget: QWidget, parent: QWidget | None = None) -> QWidget:
        """``widget`` with its (hidden) message label below it, for the form's row."""
        box = QWidget(parent)
        if self._expanding:
            box.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        column = QVBoxLayout(box)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(2)
        column.addWidget(widget)
        label = QLabel("", box)
        label.setObjectName(self._label_name(name))
        label.setWordWrap(True)
        if self._label_style:
            label.setStyleSheet(self._label_style)
        label.hide()
        column.addWidget(label)
        self.widgets[name] = widget
        self.labels[name] = label
        return box

    def date_fields(self) -> dict[str, DateField]:
        return {name: w for name, w in self.widgets.items() if isinstance(w, DateField)}

    def problems(self, validate: Callable[[], object]) -> dict[str, str]:
        """Every problem of the form as it stands: what ``validate`` raises (a
        ``ValidationError``), and dates typed wrong."""
        from auditdesk.domain.errors import ValidationError

        found: dict[str, str] = {}
        try:
            validate()
        except ValidationError as error:
            found.update(error.problems)
        for name, field in self.date_fields().items():
            typed = field.problem()
            if typed:
                found[name] = typed
        return found

    def recheck(self, problems: Mapping[str, str]) -> None:
        """While typing: a shown message follows its field and goes once the field is
        valid; a message that is not shown appears only for text over the limit."""
        for name, label in self.labels.items():
            message = problems.get(name)
            if message and (not label.isHidden() or message.startswith(OVER_LIMIT)):
                self._show(name, message)
            elif not label.isHidden():
                self._hide(name)

    def show(
        self, problems: Mapping[str, str], *, focus_order: Iterable[str] | None = None
    ) -> list[tuple[str, str]]:
        """Every problem under its field (the others hidden); the first field with a
        problem (in ``focus_order``, by default the form's) takes the focus. Returns the
        problems that have no field, for the editor's banner."""
        for name in self.labels:
            if name in problems:
                self._show(name, problems[name])
            else:
                self._hide(name)
        unplaced = [(name, message) for name, message in problems.items() if name not in self.labels]
        order = self.widgets if focus_order is None else focus_order
        first = next((self.widgets[n] for n in order if n in problems and n in self.widgets), None)
        if first is not None:
            first.setFocus()
        return unplaced

    def clear(self) -> None:
        for name in self.labels:
            self._hide(name)

    def _show(self, name: str, message: str) -> None:
        label = self.labels[name]
        label.setText(self.wording(name, message))
        label.show()
        self._mark(name, True)

    def _hide(self, name: str) -> None:
        label = self.labels[name]
        label.hide()
        label.clear()
        self._mark(name, False)

    def _mark(self, name: str, invalid: bool) -> None:
        """The field's frame says it holds a problem (``[invalid="true"]`` in style.qss)."""
        if not self._mark_invalid:
            return
        widget = self.widgets[name]
        if bool(widget.property("invalid")) != invalid:
            widget.setProperty("invalid", invalid)
            widget.style().unpolish(widget)
            widget.style().polish(widget)
