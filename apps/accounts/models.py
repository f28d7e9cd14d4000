import datetime

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.crypto import salted_hmac


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **extra: object) -> "User":
        if not email:
            raise ValueError("An email address is required")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **extra: object) -> "User":
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        extra.setdefault("kind", User.Kind.STAFF)
        return self.create_user(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):  # type: ignore[django-manager-missing]  # django-otp devices
    """Everyone who logs in. ``kind`` separates clinical staff from families.

    ``is_staff`` keeps Django's meaning (may use the admin site), which only
    clinic administrators need.
    """

    class Kind(models.TextChoices):
        STAFF = "staff", "Staff"
        FAMILY = "family", "Family"
        # An integration client's service account (FHIR): never signs in, has no role, sees nothing
        # through visible_patients; it only records inbound referrals and is named on its audited reads.
        CLIENT = "client", "Integration client"

    email = models.EmailField(unique=True)
    full_name = models.CharField(max_length=150)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    phone = models.CharField(max_length=30, blank=True)
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False, help_text="May log in to the admin site.")
    email_notifications = models.BooleanField(
        "Email me about updates",
        default=True,
        help_text="Send an email (with no details, just a link) when there is something new.",
    )
    date_joined = models.DateTimeField(default=timezone.now)
    # Account recovery (security/recovery.py): when an administrator last changed the email address
    # or reset two-step verification, and a counter that ends every session and token when raised.
    email_changed_at = models.DateTimeField(null=True, blank=True, editable=False)
    # The identity provider's ``sub`` this account signed on with first. Later sign-ons must carry the
    # same one: an email address can be reissued to someone else at the provider, a subject cannot.
    sso_subject = models.CharField(max_length=255, null=True, blank=True, unique=True, editable=False)
    two_factor_reset_at = models.DateTimeField(null=True, blank=True, editable=False)
    session_generation = models.PositiveIntegerField(default=0, editable=False)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["full_name"]

    class Meta:
        ordering = ["full_name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind__in=["staff", "family", "client"]), name="user_kind_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.full_name or self.email

    @property
    def is_clinical_staff(self) -> bool:
        return self.kind == self.Kind.STAFF

    @property
    def is_family(self) -> bool:
        return self.kind == self.Kind.FAMILY

    def _get_session_auth_hash(self, secret: str | None = None) -> str:
        # Django ends a session when this hash changes (it hashes the password); raising
        # session_generation ends them too. At 0 it is Django's own value, so nobody is logged out.
        value = self.password if not self.session_generation else f"{self.password}|{self.session_generation}"
        key_salt = "django.contrib.auth.models.AbstractBaseUser.get_session_auth_hash"
        return salted_hmac(key_salt, value, secret=secret, algorithm="sha256").hexdigest()

    def get_full_name(self) -> str:
        return self.full_name

    def get_short_name(self) -> str:
        return self.full_name.split(" ")[0] if self.full_name else self.email


class Team(models.Model):
    """A service that receives referrals."""

    class Code(models.TextChoices):
        NEUROLOGY = "neurology", "Neurology"
        ONCOLOGY = "oncology", "Oncology"
        SURGERY = "surgery", "Surgery"
        NURSING = "nursing", "Nursing"
        PSYCHOLOGY = "psychology", "Psychology"
        NEUROPSYCHOLOGY = "neuropsychology", "Neuropsychology"
        THERAPIES = "therapies", "Therapies"

    code = models.CharField(max_length=30, choices=Code.choices, unique=True)
    name = models.CharField(max_length=100)
    email = models.EmailField(blank=True, help_text="Shared inbox for the team, if any.")
    # How families reach the team: data the clinic keeps up to date in the admin, shown on the family
    # pages (the nursing team's, as the family's contact between appointments).
    phone = models.CharField(
        max_length=30, blank=True, help_text="The number families call in opening hours."
    )
    opens_at = models.TimeField(
        default=datetime.time(9),
        help_text="Opening time on working days (Monday to Friday, not bank holidays).",
    )
    closes_at = models.TimeField(default=datetime.time(17), help_text="Closing time on working days.")
    out_of_hours_phone = models.CharField(
        max_length=30,
        blank=True,
        help_text="Who families call when the team is closed (a ward or switchboard).",
    )
    out_of_hours_advice = models.TextField(
        blank=True,
        help_text="What families should do when the team is closed, in plain words (for example: call the "
        "ward and ask for the on-call doctor).",
    )
    contact_is_demo = models.BooleanField(
        default=False, help_text="The contact details are demo values, not the service's real numbers."
    )

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(opens_at__lt=models.F("closes_at")), name="team_opens_before_it_closes"
            )
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.opens_at and self.closes_at and self.opens_at >= self.closes_at:
            raise ValidationError({"closes_at": "The closing time must be after the opening time."})


class StaffProfile(models.Model):
    class Role(models.TextChoices):
        NURSE_SPECIALIST = "nurse_specialist", "Clinical nurse specialist"
        CONSULTANT = "consultant", "Consultant"
        SURGEON = "surgeon", "Surgeon"
        PSYCHOLOGIST = "psychologist", "Clinical psychologist"
        NEUROPSYCHOLOGIST = "neuropsychologist", "Clinical neuropsychologist"
        THERAPIST = "therapist", "Therapist"
        CLINIC_ADMIN = "clinic_admin", "Clinic administrator"

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="staff_profile")
    role = models.CharField(max_length=30, choices=Role.choices)
    specialty = models.CharField(max_length=100, blank=True, help_text="For example paediatric neurology.")
    job_title = models.CharField(max_length=150, blank=True)
    teams = models.ManyToManyField(Team, related_name="members", blank=True)

    class Meta:
        ordering = ["user__full_name"]

    def __str__(self) -> str:
        return f"{self.user} ({self.get_role_display()})"


class StaffAbsenceQuerySet(models.QuerySet["StaffAbsence"]):
    def on(self, day: "datetime.date") -> "StaffAbsenceQuerySet":
        """Absences covering ``day`` (and not withdrawn)."""
        return self.filter(starts_on__lte=day, ends_on__gte=day, withdrawn_at__isnull=True)


class StaffAbsence(models.Model):
    """A member of staff away (leave, sickness, training): their work goes to their team's queue (HAZ-14)."""

    class Reason(models.TextChoices):
        LEAVE = "leave", "Annual leave"
        SICKNESS = "sickness", "Sickness"
        TRAINING = "training", "Training or study"
        OTHER = "other", "Other"

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="absences")
    starts_on = models.DateField()
    ends_on = models.DateField(help_text="The last day away.")
    reason = models.CharField(max_length=10, choices=Reason.choices, default=Reason.LEAVE)
    recorded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    withdrawn_at = models.DateTimeField(null=True, blank=True)

    objects = StaffAbsenceQuerySet.as_manager()

    class Meta:
        ordering = ["starts_on"]
        indexes = [models.Index(fields=["user", "starts_on", "ends_on"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_on__gte=models.F("starts_on")), name="absence_ends_after_start"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} away {self.starts_on} to {self.ends_on} ({self.get_reason_display()})"


# The second-step devices live with the rest of the sign-in code; imported so Django registers them.
from .security.devices import (  # noqa: E402
    AuthenticatorApp,
    BackupCode,
    BackupCodes,
    IdentityProviderCheck,
)

__all__ = [
    "AuthenticatorApp",
    "BackupCode",
    "BackupCodes",
    "IdentityProviderCheck",
    "StaffAbsence",
    "StaffProfile",
    "Team",
    "User",
]
