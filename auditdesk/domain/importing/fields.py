"""The fields a spreadsheet column can fill, and which header means which field.

Headers are compared after normalising (lower case, punctuation to spaces), against
the field's own name and its common synonyms. A header that names no field, or whose
field another column already took, stays unmapped and is listed, never dropped
silently. A mapping the user chose (``Header=field``) wins over the names.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

#: field -> (label shown to the user, synonyms besides the label and the name)
FIELDS: dict[str, tuple[str, tuple[str, ...]]] = {
    "ref": ("Ref", ("reference", "finding id", "finding ref", "finding reference", "issue id",
                    "issue ref", "observation id", "observation ref", "finding no", "finding number",
                    "id", "no", "number")),
    "title": ("Title", ("finding", "finding title", "issue title", "issue", "observation",
                        "observation title", "summary", "subject", "name")),
    "severity": ("Severity", ("risk rating", "rating", "risk", "risk level", "priority",
                              "grade", "criticality", "severity rating")),
    "status": ("Status", ("state", "finding status", "issue status", "progress")),
    "identified_on": ("Identified", ("identified on", "date identified", "identified date",
                                     "date raised", "raised on", "raised", "reported on",
                                     "date reported", "issue date", "finding date", "date")),
    "due_date": ("Due", ("due date", "target date", "target", "deadline", "agreed date",
                         "implementation date", "due by", "revised due date")),
    "original_due_date": ("Original due", ("original due date", "original target date",
                                           "original deadline", "first due date")),
    "engagement": ("Engagement", ("engagement code", "audit", "audit code", "audit ref",
                                  "audit reference", "engagement ref", "project")),
    "owner": ("Owner", ("action owner", "responsible", "responsible person", "assigned to",
                        "assignee", "finding owner")),
    "owner_email": ("Owner e-mail", ("owner email", "action owner e mail", "action owner email",
                                     "responsible e mail", "assignee e mail")),
    "repeat_of": ("Repeat of", ("repeats", "repeat", "previous finding", "prior finding",
                                "earlier finding", "repeat of ref", "prior ref")),
    "criteria": ("Criteria", ("criterion", "requirement", "policy")),
    "condition": ("Condition", ("description", "details", "finding description",
                                "observation details", "issue description")),
    "cause": ("Cause", ("root cause", "reason")),
    "effect": ("Effect", ("impact", "implication", "consequence")),
    "recommendation": ("Recommendation", ("recommendations", "recommended action")),
    "management_response": ("Management response", ("management comment", "management comments",
                                                    "response", "action plan", "agreed action",
                                                    "management action")),
}

FIELD_NAMES: tuple[str, ...] = tuple(FIELDS)


def label(field_name: str) -> str:
    return FIELDS[field_name][0]


def normalise(header: str) -> str:
    """Lower case, every run of non-letters and non-digits one space."""
    return re.sub(r"[^0-9a-z]+", " ", str(header).lower()).strip()


_BY_NAME: dict[str, str] = {}
for _name, (_label, _synonyms) in FIELDS.items():
    for _word in (_name, _label, *_synonyms):
        _BY_NAME.setdefault(normalise(_word), _name)


def field_for(header: str) -> str | None:
    """The field a header names, by name or synonym; None when it names none."""
    return _BY_NAME.get(normalise(header))


@dataclass(frozen=True)
class ColumnMapping:
    """Which column fills which field, what stays unmapped, and the problems found."""

    headers: tuple[str, ...]
    fields: Mapping[int, str]  # column index -> field
    unmapped: tuple[str, ...] = ()
    problems: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()

    def column_of(self, field_name: str) -> int | None:
        return next((i for i, f in self.fields.items() if f == field_name), None)

    def has(self, field_name: str) -> bool:
        return field_name in self.fields.values()

    def with_unnamed(self, columns: set[int]) -> ColumnMapping:
        """The mapping with the columns that hold data under no header listed as unmapped
        (a merged header cell leaves the cells to its right empty)."""
        extra = tuple(f"column {column_name(i)} (no header)" for i in sorted(columns))
        return replace(self, unmapped=self.unmapped + extra)

    def as_json(self) -> dict[str, object]:
        return {
            "columns": {self.headers[i]: f for i, f in sorted(self.fields.items())},
            "unmapped": list(self.unmapped),
        }



def column_name(index: int) -> str:
    """Spreadsheet letters for a zero-based column index: 0 -> A, 26 -> AA."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def parse_choice(text: str) -> tuple[str, str]:
    """``"Header=field"`` (as given to ``--map``) split, the field checked."""
    header, sep, target = text.rpartition("=")
    target = target.strip()
    if not sep or not header.strip():
        raise ValueError(f"'{text}' is not Header=field")
    if target not in FIELDS and target != "":
        target_field = field_for(target)
        if target_field is None:
            raise ValueError(
                f"'{target}' is not a field; fields are: {', '.join(FIELD_NAMES)}"
            )
        target = target_field
    return header.strip(), target


def map_headers(headers: Sequence[str | None], chosen: Mapping[str, str] | None = None) -> ColumnMapping:
    """Match each header to a field. ``chosen`` maps a header to a field (or to "" to
    leave that column out on purpose) and wins over the names."""
    chosen = {normalise(k): v for k, v in (chosen or {}).items()}
    names = tuple(str(h).strip() if h is not None and str(h).strip() else "" for h in headers)
    problems: list[str] = []
    seen: dict[str, int] = {}
    for index, name in enumerate(names):
        if not name:
            continue
        key = normalise(name)
        if key in seen:
            problems.append(
                f"Columns {column_name(seen[key])} and {column_name(index)} both have the "
                f"header '{name}'; rename one of them"
            )
        else:
            seen[key] = index
    for wanted in chosen:
        if wanted not in seen:
            problems.append(f"The mapping names the header '{wanted}', which the sheet does not have")
    taken: dict[str, int] = {}
    unmapped: list[str] = []
    notes: list[str] = []
    # Chosen columns first, so that a choice takes its field before a synonym can.
    order = sorted(range(len(names)), key=lambda i: normalise(names[i]) not in chosen)
    for index in order:
        name = names[index]
        if not name:
            continue
        key = normalise(name)
        target = chosen[key] if key in chosen else field_for(name)
        if not target:
            unmapped.append(name)
            continue
        if target in taken:
            first = names[taken[target]]
            if key in chosen and normalise(first) in chosen:
                problems.append(f"'{first}' and '{name}' are both mapped to {label(target)}")
            else:
                unmapped.append(name)
                notes.append(f"'{name}' also looks like {label(target)}, which '{first}' fills")
            continue
        taken[target] = index
    fields = {index: target for target, index in taken.items()}
    if "title" not in taken:
        problems.append("No column is mapped to Title; every finding needs one")
    for needed in ("severity", "identified_on"):
        if needed not in taken:
            problems.append(f"No column is mapped to {label(needed)}; every finding needs one")
    ordered_unmapped = sorted(unmapped, key=lambda n: names.index(n) if n in names else len(names))
    return ColumnMapping(names, fields, tuple(ordered_unmapped), tuple(problems), tuple(notes))
