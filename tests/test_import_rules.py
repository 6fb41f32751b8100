"""The pure import rules: header matching, dates, severity and status words, row checks."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from auditdesk.domain.drafts import LONG_TEXT_MAX, TITLE_MAX
from auditdesk.domain.enums import ObservationStatus, Severity
from auditdesk.domain.importing.fields import field_for, map_headers, parse_choice
from auditdesk.domain.importing.rows import cycle_through, detect_order, parse_row, resolve_dates
from auditdesk.domain.importing.values import (
    DayOrder,
    OpenDate,
    ValueProblem,
    parse_date,
    parse_severity,
    parse_status,
)


@pytest.mark.parametrize(
    ("header", "field"),
    [("Finding ID", "ref"), ("Issue title", "title"), ("Risk rating", "severity"),
     ("Target date", "due_date"), ("Action owner", "owner"), ("Date raised", "identified_on"),
     ("Root cause", "cause"), ("  MANAGEMENT-RESPONSE ", "management_response"),
     ("identified_on", "identified_on"), ("Repeat of", "repeat_of"), ("Colour", None)],
)
def test_headers_match_fields_by_name_and_synonym(header, field):
    assert field_for(header) == field


def test_mapping_lists_unmapped_and_empty_headers_and_lets_a_choice_win():
    mapping = map_headers(["Finding ID", "Issue title", "Risk rating", "Date raised", None, "Colour",
                           "Description", "Details"], {"Colour": "criteria"})
    assert mapping.fields == {0: "ref", 1: "title", 2: "severity", 3: "identified_on", 5: "criteria",
                              6: "condition"}
    assert mapping.unmapped == ("Details",)
    assert not mapping.problems
    assert "'Details' also looks like Condition" in mapping.notes[0]


def test_duplicate_headers_and_missing_title_are_problems():
    mapping = map_headers(["Ref", "Severity", "ref", "Identified"])
    assert any("both have the header 'ref'" in p for p in mapping.problems)
    assert any("No column is mapped to Title" in p for p in mapping.problems)


def test_a_mapping_choice_names_a_real_field():
    assert parse_choice("Risk=severity") == ("Risk", "severity")
    assert parse_choice("Weird = Risk rating") == ("Weird", "severity")
    with pytest.raises(ValueError, match="not a field"):
        parse_choice("Risk=colour")
    with pytest.raises(ValueError, match="Header=field"):
        parse_choice("Risk")


@pytest.mark.parametrize(
    ("value", "expected"),
    [("2026-12-31", date(2026, 12, 31)), ("2026-12-31 00:00:00", date(2026, 12, 31)),
     ("31/12/2026", date(2026, 12, 31)), ("12/31/2026", date(2026, 12, 31)),
     ("31.12.2026", date(2026, 12, 31)), ("31 Dec 2026", date(2026, 12, 31)),
     ("31 December 2026", date(2026, 12, 31)), ("Dec 31, 2026", date(2026, 12, 31)),
     ("05/05/2026", date(2026, 5, 5)), (46387, date(2026, 12, 31)), ("46387", date(2026, 12, 31)),
     (datetime(2026, 12, 31, 10, 0), date(2026, 12, 31)), (None, None), ("  ", None)],
)
def test_dates_in_every_accepted_form(value, expected):
    assert parse_date(value) == expected


def test_an_ambiguous_date_waits_for_the_order_and_is_never_guessed():
    open_date = parse_date("03/04/2026")
    assert isinstance(open_date, OpenDate)
    assert open_date.resolve(DayOrder.DAY_FIRST) == date(2026, 4, 3)
    assert open_date.resolve(DayOrder.MONTH_FIRST) == date(2026, 3, 4)
    mapping = map_headers(["Title", "Severity", "Identified"])
    row, problems = parse_row(2, ("A", "High", "03/04/2026"), mapping)
    assert not problems
    _, unresolved = resolve_dates(row, None, mapping)
    assert "could be day/month or month/day" in unresolved[0].message
    assert unresolved[0].row == 2 and unresolved[0].column == "Identified"


def test_the_order_is_detected_from_an_unambiguous_date_or_a_conflict_is_named():
    assert detect_order(["03/04/2026", "25/04/2026"]) == (DayOrder.DAY_FIRST, None)
    assert detect_order(["03/04/2026", "04/25/2026"]) == (DayOrder.MONTH_FIRST, None)
    assert detect_order(["03/04/2026"]) == (None, None)
    order, conflict = detect_order(["25/04/2026", "04/25/2026"])
    assert order is None and "mixes day-first" in conflict


@pytest.mark.parametrize(
    ("value", "message"),
    [("1899-12-31", "outside the years 1900 to 2100"), ("01/01/2101", "outside the years 1900"),
     ("31/02/2026", "not a date in the calendar"), ("13/13/2026", "neither 13 nor 13 is a month"),
     ("yesterday", "is not a date"), ("31 Foo 2026", "'Foo' is not a month"), (-5, "is not a date")],
)
def test_bad_dates_say_why(value, message):
    with pytest.raises(ValueProblem, match=message):
        parse_date(value)


@pytest.mark.parametrize(
    ("value", "expected"),
    [("H", Severity.HIGH), ("High risk", Severity.HIGH), ("CRITICAL", Severity.CRITICAL),
     ("Moderate", Severity.MEDIUM), ("l", Severity.LOW), ("Risk rating: low", Severity.LOW)],
)
def test_severity_synonyms(value, expected):
    assert parse_severity(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [("Closed - validated", ObservationStatus.CLOSED), ("In progress", ObservationStatus.IN_REMEDIATION),
     ("Risk accepted", ObservationStatus.RISK_ACCEPTED), ("OPEN", ObservationStatus.OPEN),
     ("Pending validation", ObservationStatus.PENDING_VALIDATION)],
)
def test_status_synonyms(value, expected):
    assert parse_status(value) == expected


def test_unknown_words_are_refused_in_words():
    with pytest.raises(ValueProblem, match="'Purple' is not a severity"):
        parse_severity("Purple")
    with pytest.raises(ValueProblem, match="'Someday' is not a status"):
        parse_status("Someday")


def test_text_longer_than_the_field_allows_is_a_problem_with_row_and_column():
    mapping = map_headers(["Title", "Severity", "Identified", "Condition"])
    _, problems = parse_row(7, ("x" * (TITLE_MAX + 1), "H", "2026-01-01", "y" * (LONG_TEXT_MAX + 1)), mapping)
    assert [(p.row, p.column) for p in problems] == [(7, "Title"), (7, "Condition")]
    assert f"at most {TITLE_MAX:,} fit" in problems[0].message


def test_a_formula_without_a_saved_result_is_named():
    mapping = map_headers(["Title", "Severity", "Identified"])
    _, problems = parse_row(3, ("A", None, "2026-01-01"), mapping, formulas=[1])
    assert "formula whose result was never saved" in problems[0].message


def test_cycles_are_found_and_chains_to_a_root_are_remembered():
    parents = {"A": "B", "B": "C", "C": "A", "D": "E", "E": None}
    good: set[str] = set()
    assert cycle_through("D", parents.get, good) is None
    assert good == {"D", "E"}
    assert cycle_through("A", parents.get, good) == ["A", "B", "C", "A"]
