"""Demo staff and teams. Demo only: every account shares CARECOORD_DEMO_PASSWORD."""

import datetime

from django.conf import settings
from django.utils import timezone

from carecoord import demo

from .models import StaffAbsence, StaffProfile, Team, User
from .services import staff_admin_access_sync, staff_user_create

Role = StaffProfile.Role

DEMO_STAFF = [
    # email, name, role, teams, job title
    (
        "nurse@carecoord.example",
        "Sam Okafor",
        Role.NURSE_SPECIALIST,
        ["nursing"],
        "Clinical nurse specialist",
    ),
    (
        "nurse2@carecoord.example",
        "Priya Shah",
        Role.NURSE_SPECIALIST,
        ["nursing"],
        "Clinical nurse specialist",
    ),
    (
        "neurologist@carecoord.example",
        "Dr Helen Marsh",
        Role.CONSULTANT,
        ["neurology"],
        "Consultant paediatric neurologist",
    ),
    (
        "oncologist@carecoord.example",
        "Dr Tom Brennan",
        Role.CONSULTANT,
        ["oncology"],
        "Consultant paediatric oncologist",
    ),
    (
        "surgeon@carecoord.example",
        "Ms Ana Costa",
        Role.SURGEON,
        ["surgery"],
        "Consultant paediatric surgeon",
    ),
    (
        "psychologist@carecoord.example",
        "Dr Leah Cohen",
        Role.PSYCHOLOGIST,
        ["psychology"],
        "Clinical psychologist",
    ),
    (
        "neuropsychologist@carecoord.example",
        "Dr Omar Haddad",
        Role.NEUROPSYCHOLOGIST,
        ["neuropsychology"],
        "Clinical neuropsychologist",
    ),
    (
        "therapist@carecoord.example",
        "Jo Williams",
        Role.THERAPIST,
        ["therapies"],
        "Speech and language therapist",
    ),
    ("admin@carecoord.example", "Ruth Baker", Role.CLINIC_ADMIN, [], "Clinic administrator"),
]


# Demo contact details: numbers from Ofcom's range for drama (01632 960xxx), never a real line.
DEMO_OUT_OF_HOURS = (
    "For advice that cannot wait, call the children's ward and ask for the on-call children's doctor."
)


def _demo_contact(number: int) -> dict[str, object]:
    return {
        "phone": f"01632 960{number:03d}",
        "out_of_hours_phone": "01632 960999",
        "out_of_hours_advice": DEMO_OUT_OF_HOURS,
        "contact_is_demo": True,
    }


def seed() -> dict[str, User]:
    for number, (code, label) in enumerate(Team.Code.choices, start=100):
        Team.objects.get_or_create(code=code, defaults={"name": label})
        # Also for teams from a demo seeded before contact details existed.
        Team.objects.filter(code=code, phone="").update(**_demo_contact(number))
    teams = {team.code: team for team in Team.objects.all()}
    staff: dict[str, User] = {}
    for email, name, role, team_codes, title in DEMO_STAFF:
        user = User.objects.filter(email=email).first()
        if user is None:
            user = staff_user_create(
                email=email,
                full_name=name,
                role=role,
                teams=[teams[c] for c in team_codes],
                password=settings.DEMO_PASSWORD,
                job_title=title,
                is_admin_site_user=role == Role.CLINIC_ADMIN,  # staff with model permissions, not superuser
            )
        elif user.is_superuser:  # demo data from before: the clinic administrator was a superuser
            user.is_superuser = False
            user.save(update_fields=["is_superuser"])
            staff_admin_access_sync(user=user)
        staff[role if role not in staff else f"{role}2"] = user
    _seed_absence(staff)
    return staff


def _seed_absence(staff: dict[str, User]) -> None:
    """The second nurse specialist is on leave this week, so the demo shows cover (HAZ-14)."""
    away = staff[f"{Role.NURSE_SPECIALIST}2"]
    if StaffAbsence.objects.filter(user=away).exists():
        return
    today = timezone.localdate()
    StaffAbsence.objects.create(
        user=away,
        starts_on=today - datetime.timedelta(days=2),
        ends_on=today + datetime.timedelta(days=4),
        reason=StaffAbsence.Reason.LEAVE,
        recorded_by=away,
    )


demo.register("accounts", seed)
