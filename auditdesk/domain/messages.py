"""User-facing messages: one line, a bounded length, and words rather than class names.

Every message the CLI prints or a dialog shows goes through ``one_line``; values a
person typed are quoted with ``quoted`` so that a 100,000-character argument is
never echoed back whole (see docs/architecture.md, "Errors").
"""

from __future__ import annotations

MAX_MESSAGE_CHARS = 300
MAX_VALUE_CHARS = 60


def elide(text: str, limit: int) -> str:
    """``text`` cut in the middle to at most about ``limit`` characters, saying how much went."""
    if len(text) <= limit:
        return text
    head = text[: limit * 2 // 3]
    tail = text[-(limit // 4):] if limit >= 8 else ""
    left_out = len(text) - len(head) - len(tail)
    return f"{head}… ({left_out:,} characters left out) …{tail}"


def printable(text: str) -> str:
    """``text`` with bytes that are not valid UTF-8 (kept by Python as surrogates) shown as ``\\xNN``."""
    return text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def has_invalid_bytes(text: str) -> bool:
    """True when ``text`` came from bytes that are not valid UTF-8."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def quoted(value: str, limit: int = MAX_VALUE_CHARS) -> str:
    """A value a person typed, quoted for a message: printable and at most about ``limit``."""
    return f"'{elide(printable(value), limit)}'"


def one_line(message: str, limit: int = MAX_MESSAGE_CHARS) -> str:
    """The message on one line and at most about ``limit`` characters."""
    return elide(" ".join(printable(message).split()), limit)
