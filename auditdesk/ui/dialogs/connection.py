""""Connect to server…": host, port, database, user, password and SSL mode, a Test
connection button that runs off the GUI thread and shows the server's own reason on
failure, a saved profile that never holds the password, and a way back to the
embedded workspace."""

from __future__ import annotations

import contextlib
from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
)
from sqlalchemy.engine import URL, make_url

from auditdesk.services.errors import user_message
from auditdesk.ui.runner import Runner

SSL_MODES = ("prefer", "require", "verify-ca", "verify-full", "disable", "allow")


def _test(url: str) -> str:
    """Connect once and say which server answered; raises with the server's reason."""
    from auditdesk.db.engine import check_connection, make_engine

    engine = make_engine(url, pool_size=1, application_name="auditdesk-test")
    try:
        return f"Connected to PostgreSQL {check_connection(engine)}."
    finally:
        engine.dispose()


class ConnectionDialog(QDialog):
    """``exec()``; then ``url()`` (with the password, in memory only) or ``use_embedded``."""

    tested = Signal(bool, str)

    def __init__(self, parent=None, *, profile_path: Path | None = None, runner: Runner | None = None):
        super().__init__(parent)
        self.setWindowTitle("Connect to server")
        self.setMinimumWidth(460)
        self.profile_path = profile_path
        self.use_embedded = False
        self.profile_error: str | None = None
        self._runner = runner if runner is not None else Runner(parent=self)

        self.host = QLineEdit(self)
        self.host.setPlaceholderText("db.example.org")
        self.port = QSpinBox(self)
        self.port.setRange(0, 65535)
        self.port.setSpecialValueText("default (5432)")
        self.port.setValue(5432)
        self.database = QLineEdit("auditdesk", self)
        self.user = QLineEdit(self)
        self.password = QLineEdit(self)
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setPlaceholderText("not saved; or use ~/.pgpass")
        self.ssl_mode = QComboBox(self)
        self.ssl_mode.addItems(SSL_MODES)
        self.save_profile = QCheckBox("Remember this server (the password is never saved)", self)
        self.save_profile.setChecked(True)

        form = QFormLayout()
        form.addRow("Host:", self.host)
        form.addRow("Port:", self.port)
        form.addRow("Database:", self.database)
        form.addRow("User:", self.user)
        form.addRow("Password:", self.password)
        form.addRow("SSL mode:", self.ssl_mode)

        self.test_button = QPushButton("Test connection", self)
        self.result_label = QLabel("", self)
        self.result_label.setWordWrap(True)
        self.result_label.setObjectName("muted")
        self.embedded_button = QPushButton("Use embedded workspace instead", self)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Connect")
        self.buttons.addButton(self.embedded_button, QDialogButtonBox.ButtonRole.ResetRole)

        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.save_profile)
        layout.addWidget(self.test_button)
        layout.addWidget(self.result_label)
        layout.addWidget(self.buttons)

        self.test_button.clicked.connect(self.test_connection)
        self.buttons.accepted.connect(self.connect_clicked)
        self.buttons.rejected.connect(self.reject)
        self.embedded_button.clicked.connect(self.choose_embedded)
        self._load_profile()

    # -- values ----------------------------------------------------------------------------
    def url(self, *, with_password: bool = True) -> str:
        query = {"sslmode": self.ssl_mode.currentText()}
        host = self.host.text().strip() or None
        if host and host.startswith("/"):  # a Unix socket folder goes in the query
            query["host"] = host
            host = None
        built = URL.create(
            "postgresql+psycopg",
            username=self.user.text().strip() or None,
            password=(self.password.text() or None) if with_password else None,
            host=host,
            port=self.port.value() or None,
            database=self.database.text().strip() or None,
            query=query,
        )
        return built.render_as_string(hide_password=False)

    def set_url(self, url: str) -> None:
        parsed = make_url(url)
        socket = parsed.query.get("host")
        self.host.setText(parsed.host or (socket if isinstance(socket, str) else ""))
        self.port.setValue(parsed.port or 0)
        self.database.setText(parsed.database or "")
        self.user.setText(parsed.username or "")
        self.password.setText(parsed.password or "")
        mode = parsed.query.get("sslmode")
        if isinstance(mode, str) and mode in SSL_MODES:
            self.ssl_mode.setCurrentText(mode)

    def _load_profile(self) -> None:
        from auditdesk.config import read_profile
        from auditdesk.domain.errors import SettingsError

        paths = [self.profile_path] if self.profile_path is not None else None
        try:
            saved = read_profile(paths).get("url")
        except SettingsError:
            saved = None  # a settings file that cannot be read leaves the form empty
        if saved:
            # a broken profile just leaves the form empty
            with contextlib.suppress(Exception):
                self.set_url(saved)

    def missing(self) -> list[str]:
        missing = []
        if not self.host.text().strip():
            missing.append("host")
        if not self.database.text().strip():
            missing.append("database")
        if not self.user.text().strip():
            missing.append("user")
        return missing

    # -- actions ---------------------------------------------------------------------------
    def test_connection(self) -> None:
        missing = self.missing()
        if missing:
            self._show_result(False, "Please fill in: " + ", ".join(missing) + ".", prefix="")
            return
        self.test_button.setEnabled(False)
        self.result_label.setText("Connecting…")
        self._runner.run(
            lambda url=self.url(): _test(url),
            lambda message: self._test_finished(True, message),
            lambda error: self._test_finished(False, user_message(error)),
            owner=self,
            key=f"connection-test-{id(self)}",
        )

    def _test_finished(self, ok: bool, message: str) -> None:
        self.test_button.setEnabled(True)
        self._show_result(ok, message)
        self.tested.emit(ok, message)

    def _show_result(self, ok: bool, message: str, prefix: str = "Connection failed: ") -> None:
        color = "#2e7d32" if ok else "#b71c1c"
        self.result_label.setStyleSheet(f"color: {color};")
        self.result_label.setText(message if ok else f"{prefix}{message}")

    def connect_clicked(self) -> None:
        missing = self.missing()
        if missing:
            self._show_result(False, "Please fill in: " + ", ".join(missing) + ".", prefix="")
            return
        self.profile_error = None
        if self.save_profile.isChecked():
            try:
                self.write_profile()
            except (OSError, ValueError) as error:
                # Connect anyway; the caller tells the user the profile was not saved.
                self.profile_error = f"The connection profile was not saved: {user_message(error)}"
        self.accept()

    def write_profile(self) -> Path:
        from auditdesk.config import write_profile

        return write_profile(self.url(with_password=False), self.profile_path)

    def choose_embedded(self) -> None:
        from auditdesk.config import write_profile

        write_profile(None, self.profile_path)
        self.use_embedded = True
        self.accept()
