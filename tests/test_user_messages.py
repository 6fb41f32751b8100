"""Any exception in words for a user (``services.errors.user_message``): domain messages
as they are, database refusals as the broken rule or the server's reason, never the SQL
statement or its parameters; the engine hides parameters unless ``--debug``."""

from __future__ import annotations

import factories as f
import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from auditdesk.db import engine as engine_module
from auditdesk.domain.errors import ValidationError
from auditdesk.services.errors import is_connection_error, user_message

SECRET = "s3cret-typed-value"


def _failure(database, statement: str, params: dict) -> DBAPIError:
    with database.sessions() as session, session.begin(), pytest.raises(DBAPIError) as caught:
        session.execute(text(statement), params)
    return caught.value


def test_the_engine_hides_parameters_from_error_text(database):
    error = _failure(database, "SELECT 1 / (:zero - :zero) WHERE :secret <> ''", {"zero": 0, "secret": SECRET})
    assert SECRET not in str(error)  # what a log or a careless caller would print
    message = user_message(error)
    assert message == "The database refused the request: division by zero"
    assert "SELECT" not in message and SECRET not in message


def test_debug_shows_parameters_again(database_url):
    engine_module.show_parameters(True)
    try:
        engine = engine_module.make_engine(database_url)
    finally:
        engine_module.show_parameters(False)
    try:
        with engine.connect() as connection, pytest.raises(DBAPIError) as caught:
            connection.execute(text("SELECT 1 / 0 WHERE :secret <> ''"), {"secret": SECRET})
        assert SECRET in str(caught.value)
    finally:
        engine.dispose()


def test_a_broken_constraint_reads_as_its_field_message(database):
    with database.sessions.begin() as session:
        f.tenant(session, "taken")
    error = _failure(database, "INSERT INTO tenant (slug, name) VALUES ('taken', :name)", {"name": SECRET})
    assert user_message(error) == str(ValidationError({"slug": "is already used by another tenant"}))


def test_domain_errors_are_shown_as_they_are():
    assert user_message(ValidationError({"title": "is required"})) == (
        "Please correct the following — title: is required"
    )


def test_other_failures_never_show_python_names():
    message = user_message(KeyError("internal_key"))
    assert "KeyError" not in message and "internal_key" not in message
    assert "details are in the log" in message
    assert user_message(FileNotFoundError(2, "No such file or directory", "/tmp/x.pdf")) == (
        "No such file or directory (/tmp/x.pdf)"
    )


def test_a_lost_server_reads_as_a_lost_connection(server_url):
    from sqlalchemy.engine import make_url

    unreachable = make_url(server_url).set(host="127.0.0.1", port=1, query={})
    engine = engine_module.make_engine(unreachable)
    try:
        with pytest.raises(DBAPIError) as caught, engine.connect():
            pass
    finally:
        engine.dispose()
    assert is_connection_error(caught.value)
    assert user_message(caught.value).startswith("Lost the connection to the database: ")
