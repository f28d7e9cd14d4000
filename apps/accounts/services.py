from collections.abc import Iterable

from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction

from .models import StaffProfile, Team, User


def normalise_email(email: str) -> str:
    email = (email or "").strip().lower()
    try:
        validate_email(email)
    except ValidationError as exc:
        raise ValidationError({"email": "Enter a valid email address."}) from exc
    return email


SYSTEM_EMAIL = "system@carecoord.invalid"


def system_user() -> User:
    """The account automatic jobs act as, so their event rows say so. It cannot log in."""
    user, created = User.objects.get_or_create(
        email=SYSTEM_EMAIL,
        defaults={"full_name": "CareCoord (automatic)", "kind": User.Kind.STAFF, "is_active": False},
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    return user


def family_user_get_or_create(*, email: str, full_name: str) -> User:
    """The family account for this email, created without a usable password if new.

    The family sets a password through the reset (or, later, invitation) link.
    Runs inside the caller's transaction.
    """
    email = normalise_email(email)
    existing = User.objects.filter(email=email).first()
    if existing is not None:
        return _as_family(existing)
    if not (full_name or "").strip():
        raise ValidationError({"full_name": "Enter the guardian's full name."})
    user = User(email=email, full_name=full_name.strip(), kind=User.Kind.FAMILY)
    user.set_unusable_password()
    try:
        with transaction.atomic():  # a savepoint: the caller's transaction survives a lost race
            user.save()
    except IntegrityError:
        # Someone else created this account between the check and the insert (two siblings' rows of
        # one import, applied at once): theirs is the account.
        winner = User.objects.filter(email=email).first()
        if winner is None:
            raise
        return _as_family(winner)
    return user


def _as_family(user: User) -> User:
    if user.kind != User.Kind.FAMILY:
        raise ValidationError({"email": "This email belongs to a staff account; use a personal email."})
    return user


def staff_user_create(
    *,
    email: str,
    full_name: str,
    role: str,
    teams: Iterable[Team] = (),
    password: str | None = None,
    job_title: str = "",
    specialty: str = "",
    is_admin_site_user: bool = False,
) -> User:
    """Create a member of staff with their profile and teams (used by admin tooling and the demo)."""
    email = normalise_email(email)
    if role not in StaffProfile.Role.values:
        raise ValidationError({"role": "Choose a staff role."})
    with transaction.atomic():
        if User.objects.filter(email=email).exists():
            raise ValidationError({"email": "An account with this email already exists."})
        user = User.objects.create_user(
            email, password, full_name=full_name, kind=User.Kind.STAFF, is_staff=is_admin_site_user
        )
        profile = StaffProfile.objects.create(user=user, role=role, job_title=job_title, specialty=specialty)
        profile.teams.set(list(teams))
        staff_admin_access_sync(user=user)
    return user


CLINIC_ADMIN_GROUP = "Clinic administrators"
# What a clinic administrator manages in the admin site, as "app.model": actions. Nothing here is a
# child's record; a model of an app that is not installed (axes, say) is skipped.
CLINIC_ADMIN_PERMISSIONS: dict[str, tuple[str, ...]] = {
    "accounts.user": ("view", "add", "change"),
    "accounts.staffprofile": ("view", "add", "change"),
    "accounts.team": ("view", "add", "change"),
    "pathways.severityscale": ("view", "add", "change"),
    "pathways.scaleitem": ("view", "add", "change", "delete"),
    "referrals.serviceleveltarget": ("view", "add", "change", "delete"),
    "scheduling.reviewpolicy": ("view", "add", "change"),
    # The safety guards' rules and staff absence (docs/safety/hazard-log.md): configuration, no child.
    "scheduling.followupinterval": ("view", "add", "change", "delete"),
    "pathways.surveillancepolicy": ("view", "add", "change"),
    "pathways.surveillancestep": ("view", "add", "change", "delete"),
    "accounts.staffabsence": ("view", "add", "change"),
    "ops.bankholiday": ("view", "add", "change", "delete"),
    "notifications.delivery": ("view",),
    "audit.accessevent": ("view",),
    "axes.accessattempt": ("view", "delete"),  # unlock an account
    "axes.accessfailurelog": ("view",),
}


def clinic_admin_group() -> Group:
    """The group that gives clinic administrators their admin permissions (kept in step with the list)."""
    group, _ = Group.objects.get_or_create(name=CLINIC_ADMIN_GROUP)
    wanted = [
        (model.split(".")[0], f"{action}_{model.split('.')[1]}")
        for model, actions in CLINIC_ADMIN_PERMISSIONS.items()
        for action in actions
    ]
    permissions = Permission.objects.filter(
        content_type__app_label__in={app for app, _ in wanted}, codename__in={code for _, code in wanted}
    ).select_related("content_type")
    group.permissions.set([p for p in permissions if (p.content_type.app_label, p.codename) in set(wanted)])
    return group


def staff_admin_access_sync(*, user: User) -> None:
    """A clinic administrator uses the admin site through the group, never as a superuser; anyone
    else loses the group. (Superusers are made only with ``createsuperuser``.)"""
    profile = StaffProfile.objects.filter(user=user).first()
    group = clinic_admin_group()
    if profile is not None and profile.role == StaffProfile.Role.CLINIC_ADMIN and user.is_active:
        user.groups.add(group)
        if not user.is_staff:
            user.is_staff = True
            user.save(update_fields=["is_staff"])
    else:
        user.groups.remove(group)


def user_set_email_notifications(*, actor: User, enabled: bool) -> User:
    """Turn the actor's own update emails on or off (in-app notifications always stay)."""
    with transaction.atomic(durable=True):
        User.objects.filter(pk=actor.pk).update(email_notifications=enabled)
    actor.email_notifications = enabled
    return actor


def user_set_password(*, actor: User, password: str) -> User:
    """Set the actor's own password (the form has already checked the old one and the rules)."""
    with transaction.atomic(durable=True):
        actor.set_password(password)
        actor.save(update_fields=["password"])
    return actor


def can_manage_sign_in(actor: User) -> bool:
    """Clinic administrators unlock accounts and reset two-step verification."""
    if actor.is_superuser:
        return True
    profile = getattr(actor, "staff_profile", None)
    return profile is not None and profile.role == StaffProfile.Role.CLINIC_ADMIN


def record_account_change(*, actor: User, user: User, message: str) -> None:
    """An entry in the account's admin history (who did what to it, when)."""
    LogEntry.objects.log_actions(
        user_id=actor.pk, queryset=[user], action_flag=CHANGE, change_message=message, single_object=True
    )
