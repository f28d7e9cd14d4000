"""How a family reaches the care team: the nursing team's phone, hours and out-of-hours advice.

The details are data on ``accounts.Team`` (kept in the admin). The nurse specialists are the
family's main contact between appointments, so the family pages show the nursing team's line;
whether it is open now comes from the one working-time helper (weekdays, bank holidays as data).
"""

import datetime
from dataclasses import dataclass

from django.utils import timezone

from apps.accounts.models import Team
from apps.workingtime.working_time import is_working_time

FAMILY_CONTACT_TEAM = Team.Code.NURSING


def clock(moment: datetime.time) -> str:
    """``9am``, ``5:30pm``, ``12 noon``: the family style for a time of day."""
    if moment.hour == 12 and moment.minute == 0:
        return "12 noon"
    hour = moment.hour % 12 or 12
    minutes = f":{moment.minute:02d}" if moment.minute else ""
    return f"{hour}{minutes}{'am' if moment.hour < 12 else 'pm'}"


@dataclass(frozen=True)
class TeamContact:
    team_name: str
    phone: str
    hours: str  # "Monday to Friday, 9am to 5pm, except bank holidays"
    out_of_hours_phone: str
    out_of_hours_advice: str
    is_open: bool
    is_demo: bool

    @property
    def call_us(self) -> str:
        """One sentence for a confirmation: who to call, and when."""
        if not self.phone:
            return f"If you need to talk to us, send a message to the {self.team_name.lower()} team."
        return f"If you need to talk to us, call the {self.team_name.lower()} team on {self.phone} ({self.hours})."

    @property
    def phone_link(self) -> str:
        return "tel:" + "".join(c for c in self.phone if c.isdigit() or c == "+")

    @property
    def out_of_hours_link(self) -> str:
        return "tel:" + "".join(c for c in self.out_of_hours_phone if c.isdigit() or c == "+")


def team_contact(team: Team, *, at: datetime.datetime | None = None) -> TeamContact:
    moment = at or timezone.now()
    return TeamContact(
        team_name=team.name,
        phone=team.phone,
        hours=f"Monday to Friday, {clock(team.opens_at)} to {clock(team.closes_at)}, except bank holidays",
        out_of_hours_phone=team.out_of_hours_phone,
        out_of_hours_advice=team.out_of_hours_advice,
        is_open=is_working_time(moment, opens=team.opens_at, closes=team.closes_at),
        is_demo=team.contact_is_demo,
    )


def family_contact(*, at: datetime.datetime | None = None) -> TeamContact | None:
    """The family's line to the care team, or None if the nursing team is not set up."""
    team = Team.objects.filter(code=FAMILY_CONTACT_TEAM).first()
    return team_contact(team, at=at) if team is not None else None


def with_call_us(confirmation: str, *, at: datetime.datetime | None = None) -> str:
    """A family confirmation ("Your message has been sent.") followed by how to reach the team."""
    contact = family_contact(at=at)
    return f"{confirmation} {contact.call_us}" if contact is not None else confirmation
