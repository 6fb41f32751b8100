""""This may repeat…": the observation editor's suggestions of earlier findings.

Asks ``services.repeats.suggest_for_draft`` on the runner whenever the title, condition,
cause, engagement or date settle (half a second after the last keystroke) and lists the
best few with their score and reasons; one click on "Link" makes the finding a repeat of
that one in the form (saved with it, through the same rules and audit trail as any link).
Hidden while the finding has a link, or when nothing looks alike.
"""

from __future__ import annotations

from datetime import date
from html import escape

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFrame, QGridLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from auditdesk.services import repeats
from auditdesk.ui import theme
from auditdesk.ui.context import AppContext
from auditdesk.ui.widgets import debounced

SHOWN = 3
MIN_SCORE = 0.2  # below this the text has too little in common to be worth a look


class RepeatSuggestionsPanel(QFrame):
    """Up to three earlier findings this one may repeat, each with a Link button."""

    link_chosen = Signal(int, str)  # observation id, ref
    suggestions_shown = Signal(int)

    def __init__(self, context: AppContext, parent: QWidget | None = None):
        super().__init__(parent)
        self._context = context
        self._asked: dict | None = None
        self.suggestions: list[repeats.Suggestion] = []
        self.suppressed = False  # the finding already has a link
        self.setObjectName("repeatSuggestions")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setStyleSheet("QFrame#repeatSuggestions { background:#fffbea; border:1px solid #e8d48a;"
                           " border-radius:4px; }")
        self.heading = QLabel("<b>This may repeat…</b>")
        self.rows = QGridLayout()
        self.rows.setColumnStretch(0, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 6, 8, 6)
        layout.addWidget(self.heading)
        layout.addLayout(self.rows)
        self._timer = debounced(self, 500, self._ask)
        self.hide()

    def request(self, *, title: str, condition: str, cause: str, identified_on: date | None,
                engagement_id: int | None, observation_id: int | None) -> None:
        """Ask again once the input settles."""
        if identified_on is None or not (title.strip() or condition.strip()):
            self._asked = None
            self._show([])
            return
        self._asked = dict(title=title[:2000], condition=condition[:4000], cause=cause[:4000],
                           identified_on=identified_on, engagement_id=engagement_id,
                           observation_id=observation_id)
        self._timer.start()

    def set_suppressed(self, suppressed: bool) -> None:
        self.suppressed = suppressed
        self.setVisible(bool(self.suggestions) and not suppressed)

    def _ask(self) -> None:
        if self._asked is None or self._context.tenant is None:
            return
        tenant_id, asked = self._context.tenant_id, dict(self._asked)

        def job(session):
            return repeats.suggest_for_draft(session, tenant_id, limit=SHOWN, **asked)

        self._context.worker.submit(job, self._show, lambda _e: self._show([]), owner=self,
                                    key=f"repeat-suggestions-{id(self)}")

    def _show(self, found: list) -> None:
        self.suggestions = [s for s in found if s.score >= MIN_SCORE]
        while self.rows.count():
            widget = self.rows.takeAt(0).widget()
            if widget is not None:
                widget.deleteLater()
        for row, suggestion in enumerate(self.suggestions):
            text = QLabel(
                f"<b>{escape(suggestion.ref)}</b> · score {suggestion.score:.2f} · "
                f"{escape(suggestion.title)}<br><span style='color:{theme.MUTED_TEXT}'>"
                f"{escape('; '.join(suggestion.reasons))}</span>"
            )
            text.setWordWrap(True)
            text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            button = QPushButton("Link")
            button.setToolTip(f"Record that this finding repeats {suggestion.ref}")
            button.clicked.connect(
                lambda _c=False, s=suggestion: self.link_chosen.emit(s.candidate_id, s.ref)
            )
            self.rows.addWidget(text, row, 0)
            self.rows.addWidget(button, row, 1, Qt.AlignmentFlag.AlignTop)
        self.setVisible(bool(self.suggestions) and not self.suppressed)
        self.suggestions_shown.emit(len(self.suggestions))
