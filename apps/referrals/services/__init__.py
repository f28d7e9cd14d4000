"""Referral writes: the state machine, inbound external referrals, attachments and service levels."""

from .attachments import ATTACHMENT_MAX_BYTES, ATTACHMENT_TYPES, referral_attach
from .bulk import ReferralSpec, referrals_open_bulk
from .intake import (
    PROVISIONAL_PREFIX,
    RECEIPT_MESSAGE,
    is_provisional,
    referral_confirm_identity,
    referral_receive_external,
    referral_reject_identity,
)
from .service_levels import referrals_check_service_levels, triage_due_at
from .transitions import (
    REFERRAL,
    referral_accept,
    referral_book,
    referral_cancel,
    referral_check_role,
    referral_complete,
    referral_create,
    referral_decline,
    referral_mark_booked,
    referral_mark_seen,
    referral_open,
    referral_seen,
    referral_submit,
)

__all__ = [
    "ATTACHMENT_MAX_BYTES",
    "ATTACHMENT_TYPES",
    "PROVISIONAL_PREFIX",
    "RECEIPT_MESSAGE",
    "REFERRAL",
    "ReferralSpec",
    "is_provisional",
    "referral_accept",
    "referral_attach",
    "referral_book",
    "referral_cancel",
    "referral_check_role",
    "referral_complete",
    "referral_confirm_identity",
    "referral_create",
    "referral_decline",
    "referral_mark_booked",
    "referral_mark_seen",
    "referral_open",
    "referral_receive_external",
    "referral_reject_identity",
    "referral_seen",
    "referral_submit",
    "referrals_check_service_levels",
    "referrals_open_bulk",
    "triage_due_at",
]
