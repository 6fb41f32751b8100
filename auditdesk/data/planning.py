"""Statements planned for their own values: ``custom_plans``.

The driver prepares a statement run five times on a connection, and PostgreSQL may then
keep one generic plan for it, chosen without the values. Where the best plan depends on
the values (how many rows a text query matches, how large a chunk is), the statements
inside ``custom_plans`` are planned each time; the setting is put back afterwards, so
that the triggers' own cached plans and every other statement are left as they were.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import text
from sqlalchemy.orm import Session


@contextmanager
def custom_plans(session: Session) -> Iterator[None]:
    """Each statement inside planned for its own values and the table as it is now."""
    before = session.scalar(text("SELECT current_setting('plan_cache_mode')"))
    session.execute(text("SELECT set_config('plan_cache_mode', 'force_custom_plan', true)"))
    yield  # after an error the transaction is rolled back, and the setting with it
    session.execute(text("SELECT set_config('plan_cache_mode', :before, true)"), {"before": before})
