"""Identifier systems and code systems the FHIR mappers use.

National systems are the published URIs. Everything local lives under ``LOCAL``: a placeholder
base (demo value) that a hospital replaces with its own URI when it deploys.
"""

NHS_NUMBER = "https://fhir.nhs.uk/Id/nhs-number"
LOCAL = "https://carecoord.example.org/fhir"  # demo value: the deploying trust's own base URI
HOSPITAL_NUMBER = f"{LOCAL}/Id/hospital-number"

ROLE_CODE = "http://terminology.hl7.org/CodeSystem/v3-RoleCode"
DATA_ABSENT = "http://terminology.hl7.org/CodeSystem/data-absent-reason"
CONDITION_CLINICAL = "http://terminology.hl7.org/CodeSystem/condition-clinical"
CONDITION_VERIFICATION = "http://terminology.hl7.org/CodeSystem/condition-ver-status"
CONDITION_CATEGORY = "http://terminology.hl7.org/CodeSystem/condition-category"
OBSERVATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
PARTICIPATION_TYPE = "http://terminology.hl7.org/CodeSystem/v3-ParticipationType"


def local_system(name: str) -> str:
    """A local CodeSystem URI (``scale-item``, ``staff-role``, ...)."""
    return f"{LOCAL}/CodeSystem/{name}"


def local_extension(name: str) -> str:
    return f"{LOCAL}/StructureDefinition/{name}"


def coding(system: str, code: str, display: str = "") -> dict:
    return {"system": system, "code": code, **({"display": display} if display else {})}


def concept(system: str, code: str, display: str = "", text: str = "") -> dict:
    """A CodeableConcept with one coding (text defaults to the display)."""
    text = text or display
    return {"coding": [coding(system, code, display)], **({"text": text} if text else {})}


def local_concept(name: str, code: str, display: str = "") -> dict:
    return concept(local_system(name), code, display)


def ref(resource_type: str, pk: object, display: str = "") -> dict:
    return {"reference": f"{resource_type}/{pk}", **({"display": display} if display else {})}


def instant(value: object) -> str | None:
    """An aware datetime (or date) as FHIR text; None stays None so callers can drop it."""
    return value.isoformat() if value is not None else None  # type: ignore[attr-defined]


def drop_empty(resource: dict) -> dict:
    """FHIR forbids empty values: leave out None, "", [] and {}."""
    return {k: v for k, v in resource.items() if v not in (None, "", [], {})}
