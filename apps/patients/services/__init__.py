"""Writes to children, their guardians (and guardian invitations) and their care teams.

Each service takes the acting user first, checks the role predicate, validates,
and writes in one transaction; django-simple-history keeps the change history
with the actor recorded.
"""

from .invitations import (
    INVITATION_DAYS,
    INVITATION_PROBLEMS,
    invitation_accept,
    invitation_problem,
    invitation_revoke,
    invitation_send,
    invitation_token_hash,
    named_nurse_or_nursing_queue,
)
from .records import (
    care_team_member_add,
    care_team_member_end,
    care_team_member_join,
    guardian_attach,
    guardian_deactivate,
    guardian_link,
    patient_change,
    patient_create,
    patient_register,
    patient_update,
    revoke_pending_invitations,
)

__all__ = [
    "INVITATION_DAYS",
    "INVITATION_PROBLEMS",
    "care_team_member_add",
    "care_team_member_end",
    "care_team_member_join",
    "guardian_attach",
    "guardian_deactivate",
    "guardian_link",
    "invitation_accept",
    "invitation_problem",
    "invitation_revoke",
    "invitation_send",
    "invitation_token_hash",
    "named_nurse_or_nursing_queue",
    "patient_change",
    "patient_create",
    "patient_register",
    "patient_update",
    "revoke_pending_invitations",
]
