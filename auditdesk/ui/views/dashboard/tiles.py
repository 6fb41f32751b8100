"""The dashboard's headline tiles: caption, value and the change against the previous
period, coloured by its tone (the figures come from ``domain.dashboard.tile_figures``)."""

from __future__ import annotations

from PySide6.QtWidgets import QFrame, QLabel, QSizePolicy, QVBoxLayout, QWidget

from auditdesk.domain.dashboard import TileFigure, Tone
from auditdesk.ui import theme

TONE_COLOURS = {Tone.NEUTRAL: theme.MUTED_TEXT, Tone.GOOD: "#2e7d32", Tone.BAD: theme.OVERDUE}

TILE_STYLE = f"""
QFrame#dashTile {{ background: #ffffff; border: 1px solid #d9dee5; border-radius: 4px; }}
QFrame#dashTile QLabel {{ border: none; background: transparent; }}
QLabel#tileCaption {{ color: {theme.MUTED_TEXT}; font-size: 9pt; }}
QLabel#tileValue {{ color: #1f2d3d; font-size: 17pt; font-weight: 600; }}
QLabel#tileDelta {{ font-size: 9pt; color: {theme.MUTED_TEXT}; }}
"""


class Tile(QFrame):
    """A headline figure: caption, value and the change against the previous period."""

    def __init__(self, caption: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("dashTile")
        self.caption = QLabel(caption, self)
        self.caption.setObjectName("tileCaption")
        self.value = QLabel("—", self)
        self.value.setObjectName("tileValue")
        self.delta = QLabel("", self)
        self.delta.setObjectName("tileDelta")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 8, 12, 8)
        layout.setSpacing(2)
        layout.addWidget(self.caption)
        layout.addWidget(self.value)
        layout.addWidget(self.delta)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)

    def show_figure(self, figure: TileFigure) -> None:
        self.caption.setText(figure.caption)
        self.value.setText(figure.value)
        self.delta.setText(figure.delta)
        self.delta.setStyleSheet(f"color: {TONE_COLOURS[figure.tone]};")
