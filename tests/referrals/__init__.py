"""Shared helpers for the referral tests: the standing people and a way to drive a referral to any status.

The people: a referring nurse (named nurse of the child, in Nursing), two oncologists (members of the
target team, Oncology), an outsider (a neurologist who cannot see the child) and the child's family.
"""

from dataclasses import dataclass

from apps.accounts.models import StaffProfile, Team, User
from apps.patients.models import Patient
from apps.referrals import services
from apps.referrals.models import Referral

from ..factories import GuardianFactory, PatientFactory, StaffFactory

Status = Referral.Status


@dataclass
class People:
    referrer: User
    oncologist: User
    oncologist_2: User
    outsider: User
    family: User
    child: Patient
    oncology: Team


def make_people() -> People:
    referrer = StaffFactory(
        full_name="Nora Referrer", role=StaffProfile.Role.NURSE_SPECIALIST, role__teams=["nursing"]
    )
    oncologist = StaffFactory(
        full_name="Olga Onc", role=StaffProfile.Role.CONSULTANT, role__teams=["oncology"]
    )
    oncologist_2 = StaffFactory(
        full_name="Oscar Onc", role=StaffProfile.Role.CONSULTANT, role__teams=["oncology"]
    )
    outsider = StaffFactory(
        full_name="Ned Neuro", role=StaffProfile.Role.CONSULTANT, role__teams=["neurology"]
    )
    child = PatientFactory(given_name="Alice", family_name="Referred", named_nurse=referrer)
    family = GuardianFactory(patient=child).user
    return People(
        referrer=referrer,
        oncologist=oncologist,
        oncologist_2=oncologist_2,
        outsider=outsider,
        family=family,
        child=child,
        oncology=Team.objects.get(code="oncology"),
    )


def refer(p: People, *, urgency: str = Referral.Urgency.ROUTINE, submit: bool = True, **kwargs) -> Referral:
    return services.referral_create(
        actor=p.referrer,
        patient=kwargs.pop("patient", p.child),
        target_team=kwargs.pop("target_team", p.oncology),
        reason="Opsoclonus and myoclonus; please assess for neuroblastoma.",
        urgency=urgency,
        submit=submit,
        **kwargs,
    )


# How to reach each status from the one before it, and which service makes each move.
PATH_TO: dict[str, tuple[str, ...]] = {
    Status.DRAFT: (),
    Status.SUBMITTED: (Status.SUBMITTED,),
    Status.ACCEPTED: (Status.SUBMITTED, Status.ACCEPTED),
    Status.DECLINED: (Status.SUBMITTED, Status.DECLINED),
    Status.BOOKED: (Status.SUBMITTED, Status.ACCEPTED, Status.BOOKED),
    Status.SEEN: (Status.SUBMITTED, Status.ACCEPTED, Status.BOOKED, Status.SEEN),
    Status.COMPLETED: (Status.SUBMITTED, Status.ACCEPTED, Status.BOOKED, Status.SEEN, Status.COMPLETED),
    Status.CANCELLED: (Status.CANCELLED,),
}


def move(p: People, referral: Referral, to: str, *, actor: User | None = None) -> Referral:
    """Call the service that moves ``referral`` to ``to``, as the person who would normally do it."""
    triager = actor or p.oncologist
    if to == Status.SUBMITTED:
        return services.referral_submit(actor=actor or p.referrer, referral=referral)
    if to == Status.ACCEPTED:
        return services.referral_accept(actor=triager, referral=referral)
    if to == Status.DECLINED:
        return services.referral_decline(actor=triager, referral=referral, reason="Not for oncology.")
    if to == Status.BOOKED:
        return services.referral_book(actor=triager, referral=referral)
    if to == Status.SEEN:
        return services.referral_mark_seen(actor=triager, referral=referral)
    if to == Status.COMPLETED:
        return services.referral_complete(actor=triager, referral=referral)
    if to == Status.CANCELLED:
        return services.referral_cancel(actor=triager, referral=referral, reason="Family moved away.")
    raise AssertionError(f"no service moves a referral to {to}")


def drive_to(p: People, status: str, **kwargs) -> Referral:
    """A referral from the referrer to Oncology, moved through the services until it is ``status``."""
    referral = refer(p, submit=False, **kwargs)
    for step in PATH_TO[status]:
        referral = move(p, referral, step)
    assert referral.status == status
    return referral
