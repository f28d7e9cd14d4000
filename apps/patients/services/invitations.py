"""Guardian invitations: an emailed, single-use link; the guardian sets a password and lands in the portal.

Only a SHA-256 of the token is stored. The token itself is made when the email is sent
(``invitation_link_for_sending``, the outbox's "invitation" link maker), so it is never in the
database, the outbox row or the admin. The link expires after INVITATION_DAYS and works once.
"""

import datetime
import hashlib
import secrets

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from apps.accounts import roles
from apps.accounts.absence import is_absent
from apps.accounts.models import Team, User
from apps.notifications.links import LINK_PLACEHOLDER
from apps.notifications.services import email_enqueue
from carecoord.errors import ApplicationError
from carecoord.limits import within

from .. import access
from ..models import Guardian, GuardianInvitation, Patient
from .legal_basis import check_own_account, clean_authorisation
from .records import guardian_attach, revoke_pending_invitations

INVITATION_DAYS = 7


def invitation_token_hash(token: str) -> str:
    """What is stored for a token: its SHA-256. The token itself is only ever in the email."""
    return hashlib.sha256(token.encode()).hexdigest()


INVITATION_LINK = "invitation"


def _invitation_email(*, full_name: str, expires_at: datetime.datetime) -> tuple[str, str]:
    """The subject and body. No clinical detail and not even the child's name: just the link, whose
    secret part the outbox adds when it sends the email."""
    link = settings.SITE_URL + LINK_PLACEHOLDER
    until = timezone.localtime(expires_at)
    body = (
        f"Hello {full_name},\n\n"
        "Your child's care team has invited you to CareCoord. There you can see appointments and "
        "letters, and keep in touch with the team.\n\n"
        f"To set your password, open this link:\n{link}\n\n"
        f"The link works once, until {until:%H:%M} on {until.day} {until:%B %Y}. "
        "If it has stopped working, ask the care team to send you a new one.\n\n"
        "If you were not expecting this email, you can ignore it."
    )
    return "You are invited to CareCoord", body


def invitation_send(
    *,
    actor: User,
    patient: Patient,
    email: str,
    full_name: str,
    relationship: str,
    has_parental_responsibility: bool = True,
    authorised_by_name: str = "",
    authorised_on: datetime.date | None = None,
    authorisation_reason: str = "",
) -> GuardianInvitation:
    """Invite a guardian by email. A new invitation replaces one still waiting for the same person.

    Relationship "self" invites the young person to their own account (from OWN_ACCOUNT_FROM_AGE).
    """
    if not access.can_manage_guardians(actor, patient):
        raise PermissionDenied("Your role cannot manage this child's guardians.")
    errors: dict[str, str] = {}
    email = (email or "").strip().lower()
    try:
        validate_email(email)
    except ValidationError:
        errors["email"] = "Enter a valid email address."
    full_name = (full_name or "").strip()
    if not full_name:
        errors["full_name"] = "Enter the guardian's full name."
    if relationship not in Guardian.Relationship.values:
        errors["relationship"] = "Choose the guardian's relationship to the child."
    if "email" not in errors:
        existing = User.objects.filter(email=email).first()
        if existing is not None and existing.kind != User.Kind.FAMILY:
            errors["email"] = "This email belongs to a staff account; use a personal email."
        elif Guardian.objects.filter(patient=patient, user__email=email, is_active=True).exists():
            errors["email"] = "This person already has access to this child's record."
    if errors:
        raise ValidationError(errors)
    check_own_account(patient, relationship)
    has_parental_responsibility = has_parental_responsibility and relationship != Guardian.Relationship.SELF
    authorisation = clean_authorisation(
        relationship=relationship,
        has_parental_responsibility=has_parental_responsibility,
        authorised_by_name=authorised_by_name,
        authorised_on=authorised_on,
        authorisation_reason=authorisation_reason,
    )
    unusable = secrets.token_urlsafe(32)  # replaced by the token made at send time; never emailed
    now = timezone.now()
    with transaction.atomic(durable=True):
        revoke_pending_invitations(patient=patient, email=email)
        invitation = GuardianInvitation.objects.create(
            patient=patient,
            email=email,
            full_name=within(full_name, field="full_name", limit=150, label="Full name"),
            relationship=relationship,
            has_parental_responsibility=has_parental_responsibility,
            **authorisation,
            token_hash=invitation_token_hash(unusable),
            expires_at=now + datetime.timedelta(days=INVITATION_DAYS),
            created_by=actor,
            created_at=now,
        )
        subject, body = _invitation_email(full_name=full_name, expires_at=invitation.expires_at)
        email_enqueue(to_address=email, subject=subject, body=body, link=(INVITATION_LINK, invitation.pk))
    return invitation


def invitation_link_for_sending(invitation_id: int) -> str | None:
    """Make the invitation's token now, as its email is sent: store its hash, give the link to the
    email only. None when the invitation can no longer be used (withdrawn, used or expired)."""
    token = secrets.token_urlsafe(32)
    updated = GuardianInvitation.objects.filter(
        pk=invitation_id, accepted_at__isnull=True, revoked_at__isnull=True, expires_at__gt=timezone.now()
    ).update(token_hash=invitation_token_hash(token))
    return reverse("portal:invite", args=[token]) if updated else None


def invitation_revoke(*, actor: User, invitation: GuardianInvitation) -> GuardianInvitation:
    """Withdraw an invitation that has not been used yet: its link stops working at once."""
    if not access.can_manage_guardians(actor, invitation.patient):
        raise PermissionDenied("Your role cannot manage this child's guardians.")
    with transaction.atomic(durable=True):
        revoked = GuardianInvitation.objects.filter(
            pk=invitation.pk, accepted_at__isnull=True, revoked_at__isnull=True
        ).update(revoked_at=timezone.now())
        if not revoked:
            raise ApplicationError.stale("This invitation has already been used or withdrawn.")
    invitation.refresh_from_db()
    return invitation


INVITATION_PROBLEMS = {
    "unknown": (
        "This invitation link does not work. Check that you used the whole link from the email, "
        "or ask the care team to send you a new one."
    ),
    "revoked": "This invitation has been withdrawn. Ask the care team to send you a new one.",
    "used": "This invitation has already been used. Log in with your email address and password instead.",
    "expired": "This invitation has expired. Ask the care team to send you a new one.",
}


def invitation_problem(invitation: GuardianInvitation | None) -> str:
    """Why an invitation cannot be used now ("unknown", "revoked", "used", "expired"), or ""."""
    if invitation is None:
        return "unknown"
    if invitation.revoked_at is not None:
        return "revoked"
    if invitation.accepted_at is not None:
        return "used"
    if invitation.expires_at <= timezone.now():
        return "expired"
    return ""


def invitation_accept(*, token: str, password: str) -> User:
    """Use an invitation once: set the password, create or link the family account, mark it accepted.

    The link is recorded in the guardian history as made by the member of staff who sent it.
    """
    with transaction.atomic(durable=True):
        invitation = (
            GuardianInvitation.objects.select_for_update()
            .select_related("patient", "created_by")
            .filter(token_hash=invitation_token_hash(token or ""))
            .first()
        )
        problem = invitation_problem(invitation)
        if problem or invitation is None:
            raise ValidationError(INVITATION_PROBLEMS[problem or "unknown"], code=problem or "unknown")
        sender = invitation.created_by
        if not (
            access.can_manage_guardians(sender, invitation.patient)
            and access.can_see(sender, invitation.patient_id)
        ):  # the person who sent it has left, or no longer looks after the child
            raise ValidationError(
                "This invitation can no longer be used. Please ask the care team for a new one.",
                code="withdrawn",
            )
        user = User.objects.filter(email__iexact=invitation.email).first()
        if user is not None and not user.is_active:
            raise ValidationError(
                "This account has been closed. Please contact the care team.", code="inactive"
            )
        # An existing account keeps its password: the invitation links the child, it is not a password reset.
        existing = user is not None and user.has_usable_password()
        if existing and not user.check_password(password):  # type: ignore[union-attr]
            raise ValidationError(
                {
                    "new_password1": "You already have a CareCoord account. Enter your current password to add this child."
                }
            )
        if not existing:
            try:
                validate_password(
                    password,
                    User(email=invitation.email, full_name=invitation.full_name, kind=User.Kind.FAMILY),
                )
            except ValidationError as exc:
                raise ValidationError({"new_password1": exc.messages}) from exc
        # Claim it first: of two uses at once, exactly one gets the row.
        claimed = GuardianInvitation.objects.filter(
            pk=invitation.pk, accepted_at__isnull=True, revoked_at__isnull=True
        ).update(accepted_at=timezone.now())
        if not claimed:
            raise ValidationError(INVITATION_PROBLEMS["used"], code="used")
        guardian = guardian_attach(
            actor=invitation.created_by,
            patient=invitation.patient,
            email=invitation.email,
            full_name=invitation.full_name,
            relationship=invitation.relationship,
            has_parental_responsibility=invitation.has_parental_responsibility,
            authorised_by_name=invitation.authorised_by_name,
            authorised_on=invitation.authorised_on,
            authorisation_reason=invitation.authorisation_reason,
        )
        if not existing:
            guardian.user.set_password(password)
            guardian.user.save(update_fields=["password"])
    return guardian.user


def named_nurse_or_nursing_queue(patient: Patient) -> tuple[User | None, Team | None]:
    """Who hears first about something a family raised: the child's named nurse, else (no named nurse,
    or the nurse is away) the Nursing queue.

    Inside the caller's transaction. The Nursing team is made if it is missing, so a family's
    report always reaches someone.
    """
    nurse = patient.named_nurse
    if nurse is not None and roles.staff_role(nurse) is not None and not is_absent(nurse):  # HAZ-14: cover
        return nurse, None
    team, _ = Team.objects.get_or_create(code=Team.Code.NURSING, defaults={"name": Team.Code.NURSING.label})
    return None, team
