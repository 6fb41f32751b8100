"""Small widgets shared by the views: a progress-bar delegate, an empty state, the error
banner and a debounce timer helper."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from PySide6.QtCore import QModelIndex, QRect, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QPainter, QPalette
from PySide6.QtWidgets import (
    QComboBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QWidget,
)

from auditdesk.ui import theme


class ProgressDelegate(QStyledItemDelegate):
    """Paints ``(done, total)`` from ``role`` as a thin bar with the numbers beside it."""

    def __init__(self, role: int, parent=None):
        super().__init__(parent)
        self._role = role

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: QModelIndex) -> None:
        value = index.data(self._role)
        if not value:
            super().paint(painter, option, index)
            return
        done, total = value
        painter.save()
        if option.state & QStyle.StateFlag.State_Selected:
            painter.fillRect(option.rect, option.palette.color(QPalette.ColorRole.Highlight))
        text = f"{done}/{total}"
        metrics = option.fontMetrics
        text_width = metrics.horizontalAdvance("0000/0000")
        rect = option.rect.adjusted(6, 0, -6, 0)
        bar_width = max(rect.width() - text_width - 8, 20)
        bar = QRect(rect.left(), rect.center().y() - 4, bar_width, 9)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor(theme.PROGRESS_TRACK))
        painter.drawRoundedRect(bar, 4, 4)
        if total:
            filled = QRect(bar)
            filled.setWidth(max(int(bar.width() * done / total), 0))
            if filled.width() > 0:
                painter.setBrush(QColor(theme.PROGRESS))
                painter.drawRoundedRect(filled, 4, 4)
        painter.setPen(QColor(theme.MUTED_TEXT))
        text_rect = QRect(bar.right() + 8, rect.top(), rect.right() - bar.right() - 8, rect.height())
        painter.drawText(text_rect, Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft, text)
        painter.restore()


class EmptyState(QLabel):
    """A centred, muted message shown instead of an empty table."""

    def __init__(self, text: str = "", parent=None):
        super().__init__(text, parent)
        self.setObjectName("emptyState")
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.setWordWrap(True)


class ErrorBanner(QFrame):
    """A strip at the top of the window: the message, Retry and Dismiss."""

    retry_requested = Signal()
    dismissed = Signal()

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("errorBanner")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(10, 6, 6, 6)
        self.icon = QLabel(self)
        self.message = QLabel(self)
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.retry_button = QPushButton("Retry", self)
        self.dismiss_button = QPushButton("Dismiss", self)
        layout.addWidget(self.icon)
        layout.addWidget(self.message, 1)
        layout.addWidget(self.retry_button)
        layout.addWidget(self.dismiss_button)
        self.retry_button.clicked.connect(self.retry_requested)
        self.dismiss_button.clicked.connect(self._dismiss)
        self.hide()

    def show_message(self, text: str, level: str = "error", *, retry: bool = True) -> None:
        self.setProperty("level", level)
        self.style().unpolish(self)
        self.style().polish(self)
        icons = {"error": QStyle.StandardPixmap.SP_MessageBoxCritical,
                 "warning": QStyle.StandardPixmap.SP_MessageBoxWarning,
                 "info": QStyle.StandardPixmap.SP_MessageBoxInformation}
        icon = self.style().standardIcon(icons.get(level, icons["error"]))
        self.icon.setPixmap(icon.pixmap(18, 18))
        self.message.setText(text)
        self.retry_button.setVisible(retry)
        self.show()

    def _dismiss(self) -> None:
        self.hide()
        self.dismissed.emit()


def refill_choices(combo: QComboBox, items: Iterable[tuple[object, str]]) -> None:
    """Replace every choice after the first ("All …") with ``(value, label)`` items,
    keeping the current choice where it is still offered (else the first); no signal."""
    current = combo.currentData()
    combo.blockSignals(True)
    while combo.count() > 1:
        combo.removeItem(1)
    for value, label in items:
        combo.addItem(label, value)
    combo.setCurrentIndex(max(combo.findData(current), 0))
    combo.blockSignals(False)


def debounced(parent: QWidget, msecs: int, callback: Callable[[], None]) -> QTimer:
    """A single-shot timer: call ``start()`` on every keystroke, ``callback`` runs once."""
    timer = QTimer(parent)
    timer.setSingleShot(True)
    timer.setInterval(msecs)
    timer.timeout.connect(callback)
    return timer
