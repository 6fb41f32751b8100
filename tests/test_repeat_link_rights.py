"""Who may change a repeat link, in the domain and through the services (the database
refuses it as well: tests/security/test_attack_repeats.py)."""

from __future__ import annotations

import pytest

from auditdesk.domain.enums import Role
from auditdesk.domain.errors import PermissionDenied
from auditdesk.domain.transitions import check_repeat_link_change


@pytest.mark.parametrize("role", [Role.AUDITOR, Role.MANAGER, Role.ADMIN, None])
def test_anyone_links_a_finding_that_has_no_link(role):
    check_repeat_link_change(None, 7, role)
    check_repeat_link_change(7, 7, role)


@pytest.mark.parametrize("new", [None, 8])
def test_an_auditor_may_not_change_or_clear_a_link(new):
    with pytest.raises(PermissionDenied, match="manager or an admin"):
        check_repeat_link_change(7, new, Role.AUDITOR)


@pytest.mark.parametrize("role", [Role.MANAGER, Role.ADMIN, None])
def test_managers_admins_and_the_workspace_owner_may(role):
    check_repeat_link_change(7, None, role)
    check_repeat_link_change(7, 8, role)


def test_only_managers_reopen_an_accepted_risk():
    from auditdesk.domain.enums import ObservationStatus as S
    from auditdesk.domain.transitions import check_transition

    with pytest.raises(PermissionDenied, match="reopen an accepted risk"):
        check_transition(S.RISK_ACCEPTED, S.OPEN, Role.AUDITOR)
    check_transition(S.RISK_ACCEPTED, S.OPEN, Role.MANAGER)
    check_transition(S.RISK_ACCEPTED, S.OPEN, None)
