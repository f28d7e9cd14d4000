"""Demo emergency plans: approved plans for two demo children on a steroid or ACTH course (the first
demo family's child, and a child on ACTH), prepared by the named nurse and approved by the consultant.
The wording is the migration's demo blocks, labelled on the plan as demo text."""

from apps.accounts.models import StaffProfile, User
from apps.patients.models import Patient
from carecoord import demo

from . import services
from .models import EmergencyPlan
from .selectors import plan_consultant

Role = StaffProfile.Role
DEMO_CHILDREN = ("RCH100200", "RCH100202")  # dexamethasone pulses (and IVIG); ACTH


def seed(staff: dict[str, User]) -> None:
    for hospital_number in DEMO_CHILDREN:
        patient = (
            Patient.objects.filter(hospital_number=hospital_number).select_related("named_nurse").first()
        )
        if patient is None or EmergencyPlan.objects.filter(patient=patient).exists():
            continue
        consultant = plan_consultant(patient)
        nurse = patient.named_nurse
        if consultant is None or nurse is None:
            continue
        version = services.plan_prepare(actor=nurse, patient=patient, note="Demo plan")
        services.plan_approve(actor=consultant, patient=patient, number=version.number)


demo.register("emergency_plans", seed, uses=["accounts"], after=["patients", "pathways"])
