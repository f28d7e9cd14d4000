"""``_include``: the resources a page of search results points at, read through the same sources.

Only the pairs our mappers fill in are offered (the CapabilityStatement lists exactly these). The
included resources come from each target type's own source for the same reader, so they are scoped
exactly as a read of them would be (a family never gets the staff directory), with one query per
target source whatever the page's size.
"""

from collections.abc import Callable
from typing import Any

from .readers import Reader
from .sources import SOURCES, Source, source_for_id

Refs = Callable[[dict[str, Any]], list[str]]


def _at(*keys: str) -> Refs:
    """References at these elements (each a Reference or a list of them)."""

    def found(resource: dict[str, Any]) -> list[str]:
        refs = []
        for key in keys:
            value = resource.get(key)
            for item in value if isinstance(value, list) else [value]:
                if isinstance(item, dict) and "reference" in item:
                    refs.append(item["reference"])
        return refs

    return found


def _under(list_key: str, key: str) -> Refs:
    """References at ``list_key[*].key`` (CareTeam.participant.member, Appointment.participant.actor)."""

    def found(resource: dict[str, Any]) -> list[str]:
        return [
            item[key]["reference"]
            for item in resource.get(list_key, [])
            if isinstance(item.get(key), dict) and "reference" in item[key]
        ]

    return found


# "<Type>:<search parameter>" -> where the references are. Named as in the FHIR R4 search parameters.
INCLUDES: dict[str, Refs] = {
    "Observation:subject": _at("subject"),
    "Observation:patient": _at("subject"),
    "Observation:performer": _at("performer"),
    "Condition:subject": _at("subject"),
    "Condition:patient": _at("subject"),
    "CareTeam:subject": _at("subject"),
    "CareTeam:patient": _at("subject"),
    "CareTeam:participant": _under("participant", "member"),
    "EpisodeOfCare:patient": _at("patient"),
    "RelatedPerson:patient": _at("patient"),
    "PractitionerRole:practitioner": _at("practitioner"),
    "PractitionerRole:organization": _at("organization"),
    "ServiceRequest:subject": _at("subject"),
    "ServiceRequest:patient": _at("subject"),
    "ServiceRequest:requester": _at("requester"),
    "ServiceRequest:performer": _at("performer"),
    "DiagnosticReport:subject": _at("subject"),
    "DiagnosticReport:patient": _at("subject"),
    "DiagnosticReport:based-on": _at("basedOn"),
    "Procedure:subject": _at("subject"),
    "Procedure:patient": _at("subject"),
    "MedicationStatement:subject": _at("subject"),
    "MedicationStatement:patient": _at("subject"),
    "MedicationStatement:source": _at("informationSource"),
    "Appointment:actor": _under("participant", "actor"),
    "Appointment:patient": lambda r: [
        x for x in _under("participant", "actor")(r) if x.startswith("Patient/")
    ],
    "Appointment:practitioner": lambda r: [
        x for x in _under("participant", "actor")(r) if x.startswith("Practitioner/")
    ],
    "Task:owner": _at("owner"),
    "Task:patient": _at("for"),
    "Communication:subject": _at("subject"),
    "Communication:patient": _at("subject"),
    "Communication:sender": _at("sender"),
    "DocumentReference:subject": _at("subject"),
    "DocumentReference:patient": _at("subject"),
    "DocumentReference:author": _at("author"),
    "QuestionnaireResponse:subject": _at("subject"),
    "QuestionnaireResponse:patient": _at("subject"),
    "Flag:subject": _at("subject"),
    "Flag:patient": _at("subject"),
}


def includes_for(resource_type: str) -> list[str]:
    return sorted(name for name in INCLUDES if name.split(":")[0] == resource_type)


def check_includes(resource_type: str, values: list[str]) -> list[str]:
    """The _include values, each one we offer for this type; raises ValueError naming the others."""
    wanted = [v for value in values for v in value.split(",") if v]
    unknown = [v for v in wanted if v not in INCLUDES or v.split(":")[0] != resource_type]
    if unknown:
        offered = ", ".join(includes_for(resource_type)) or "none"
        raise ValueError(
            f"_include={', '.join(unknown)} is not supported. {resource_type} offers: {offered}."
        )
    return list(dict.fromkeys(wanted))


Found = tuple[Source, Any, dict[str, Any]]


def included(
    names: list[str], matches: list[dict[str, Any]], reader: Reader, allowed: Callable[[str], bool]
) -> list[Found]:
    """The resources ``matches`` point at through ``names``, that this reader may see (and, for a
    client, whose type its scopes allow), each once and none already among the matches."""
    seen = {f"{r['resourceType']}/{r['id']}" for r in matches}
    # Sources are keyed by (type, id prefix): they are not hashable themselves.
    wanted: dict[tuple[str, str], tuple[Source, dict[int, set[str]]]] = {}
    for name in names:
        for resource in matches:
            for reference in INCLUDES[name](resource):
                kind, _, fhir_id = reference.partition("/")
                if reference in seen or kind not in SOURCES or not allowed(kind):
                    continue
                found = source_for_id(kind, fhir_id)
                if found is not None:
                    source, pk = found
                    entry = wanted.setdefault((kind, source.prefix), (source, {}))
                    entry[1].setdefault(pk, set()).add(fhir_id)
    results: list[Found] = []
    for source, ids in wanted.values():  # one query per target source
        for row in source.rows(reader).filter(pk__in=sorted(ids)).order_by(*source.order):
            for resource in source.resources(row):
                key = f"{resource['resourceType']}/{resource['id']}"
                if resource["id"] in ids[row.pk] and key not in seen:
                    seen.add(key)
                    results.append((source, row, resource))
    return results
