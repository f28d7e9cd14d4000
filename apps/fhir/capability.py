"""GET /fhir/metadata: a CapabilityStatement that lists exactly what this server supports."""

from typing import Any

from django.conf import settings
from django.utils import timezone

from . import bulk, includes, search
from .sources import SOURCES

PARAM_TYPES = {
    "_id": "token",
    "patient": "reference",
    "subject": "reference",
    "date": "date",
    "status": "token",
    "identifier": "token",
    "category": "token",
}
PARAM_DOCS = {
    "patient": "Patient/<id> or <id>",
    "subject": "Same as patient",
    "date": "eq, ge, le, gt or lt with a date or an instant",
    "status": "FHIR status codes, comma-separated",
    "identifier": "system|value (NHS number or hospital number)",
    "_id": "Resource ids, comma-separated",
    "category": "Category codes (code or system|code), comma-separated",
}


def _resource(resource_type: str) -> dict[str, Any]:
    params = sorted(search.supported_params(resource_type, SOURCES[resource_type]))
    resource: dict[str, Any] = {
        "type": resource_type,
        "interaction": [{"code": "read"}, {"code": "search-type"}],
        "searchParam": [
            {"name": name, "type": PARAM_TYPES[name], "documentation": PARAM_DOCS[name]} for name in params
        ],
    }
    if offered := includes.includes_for(resource_type):
        resource["searchInclude"] = offered
    if resource_type == "ServiceRequest":
        resource["interaction"].append(
            {
                "code": "create",
                "documentation": "Inbound referrals; integration clients with system/ServiceRequest.write.",
            }
        )
    if resource_type == "Patient":
        resource["operation"] = [
            {"name": "everything", "definition": "http://hl7.org/fhir/OperationDefinition/Patient-everything"}
        ]
    return resource


def _group() -> dict[str, Any]:
    """Group is only the Bulk Data export of a team's children (Group/{team id} = Organization/{team id})."""
    return {
        "type": "Group",
        "documentation": "Group/{id} is a team (the Organization with that id): the children of its care "
        "teams and named nurses. Only $export is supported.",
        "operation": [
            {
                "name": "export",
                "definition": "http://hl7.org/fhir/uv/bulkdata/OperationDefinition/group-export",
                "documentation": (
                    "Integration clients bound to the team, with system/*.read or system/<Type>.read. "
                    "Needs Prefer: respond-async and Accept: application/fhir+json. Parameters: _type "
                    f"({', '.join(bulk.EXPORT_TYPES)}), _since (honoured for Patient and "
                    "Communication; other types are exported whole) and _outputFormat "
                    "(application/fhir+ndjson). One export at a time per client (429 otherwise). Files "
                    f"expire {settings.FHIR_EXPORT_HOURS} hours after the export finishes."
                ),
            }
        ],
    }


def capability_statement(base: str) -> dict[str, Any]:
    return {
        "resourceType": "CapabilityStatement",
        "status": "active",
        "date": timezone.now().isoformat(),
        "publisher": "CareCoord",
        "kind": "instance",
        "software": {"name": "CareCoord"},
        "implementation": {"description": "CareCoord FHIR R4 read API", "url": base},
        "instantiates": ["http://hl7.org/fhir/uv/bulkdata/CapabilityStatement/bulk-data"],
        "fhirVersion": "4.0.1",
        "format": ["json"],
        "rest": [
            {
                "mode": "server",
                "documentation": (
                    "Read-only, except ServiceRequest create (inbound referrals). "
                    f"Searches accept _count (at most {search.MAX_COUNT}), _offset and the _include "
                    "values each resource lists (searchInclude); "
                    "any other parameter not listed is refused."
                ),
                "security": {
                    "service": [
                        {
                            "coding": [
                                {
                                    "system": "http://terminology.hl7.org/CodeSystem/restful-security-service",
                                    "code": "SMART-on-FHIR",
                                }
                            ]
                        }
                    ],
                    "description": "Staff and families: session or token authentication, as for the REST "
                    "API. Integration clients: OAuth2 client credentials at "
                    f"{base.removesuffix('/fhir/')}/o/token/ with SMART backend-services scopes "
                    "(system/<Type>.read, system/*.read, system/ServiceRequest.write); a client sees only "
                    "the children of its teams. Each reader sees only the children they may see; every "
                    "read is audited.",
                },
                "resource": [*(_resource(t) for t in SOURCES), _group()],
            }
        ],
    }
