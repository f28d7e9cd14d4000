"""Every route the project serves, found from the URL resolver, and the URL of each for one world.

``discover()`` walks ``get_resolver()`` (DRF router routes included) and expands a route whose
``<slug:action>`` dispatches to a fixed set of actions into one variant per action, read from
the view module's own table, so a new action is in the matrix without anyone listing it.
``openapi_operations()`` is the API as drf-spectacular documents it, to cross-check the two.
"""

import re
from dataclasses import dataclass
from typing import Any

from django.urls import URLPattern, URLResolver, get_resolver

# The name of the object an id stands for, from the path segment before it.
SEGMENT_OBJECTS = {
    "patients": "child",
    "children": "child",
    "guardians": "guardian",
    "care-team": "member",
    "invitations": "invitation",
    "investigations": "investigation",
    "tumours": "tumour",
    "courses": "course",
    "relapses": "relapse",
    "appointments": "appointment",
    "series": "series",
    "threads": "thread",
    "messages": "thread",
    "files": "attachment",
    "attachments": "attachment",
    "documents": "document",
    "symptom-reports": "symptom_report",
    "referrals": "referral",
    "letters": "letter",
    "school-letters": "school_letter",
    "tasks": "task",
    "review": "grant",
    "mdt": "meeting",
    "meetings": "meeting",
    "items": "item",
    "identity": "identity_referral",
    "caseload-imports": "caseload_import",
    "consents": "consent",
    "exports": "research_export",
    "questionnaires": "questionnaire_assignment",  # /portal/children/<pk>/questionnaires/<assignment_pk>/
    "responses": "questionnaire_response",  # /patients/<pk>/questionnaires/responses/<response_pk>/
    "videos": "video",
    "video-uploads": "video_upload",
    "Patient": "child",  # /fhir/Patient/<id>/$everything
    "Group": "team",  # /fhir/Group/<team>/$export: a team's bulk export
    "$export-status": "bulk_export",
    "$export-file": "bulk_export_file",
}
# An object after /series/<pk>/appointments/ is one of that series' appointments.
NESTED_OBJECTS = {("series", "appointment"): "series_appointment"}
# Routes whose id is not the record its segment names: identity decisions are about a referral waiting
# in the identity queue.
ROUTE_OBJECTS = {
    "referral-confirm-identity": {"pk": "identity_referral"},
    "referral-reject-identity": {"pk": "identity_referral"},
}
# Path parameters that are not ids: a dispatching route's action, and literal values.
NOT_IDS = {"action", "decision", "resource_type", "specialty", "token", "uidb64"}
# The record behind each FHIR source (resource type, id prefix); the directory ones name no child.
FHIR_OBJECTS = {
    ("Patient", ""): "child",
    ("RelatedPerson", ""): "guardian",
    ("Practitioner", ""): "practitioner",
    ("PractitionerRole", ""): "practitioner_role",
    ("Organization", ""): "team",
    ("CareTeam", ""): "child",
    ("EpisodeOfCare", ""): "track",
    ("Condition", "oms-"): "assessment",
    ("Condition", "nb-"): "tumour",
    ("Observation", ""): "score",
    ("ServiceRequest", "ref-"): "referral",
    ("ServiceRequest", "inv-"): "investigation",
    ("DiagnosticReport", ""): "result",
    ("Appointment", ""): "appointment",
    ("Task", ""): "task",
    ("Communication", ""): "message",
    ("Procedure", ""): "tumour",  # its resection
    ("MedicationStatement", ""): "course",
    ("DocumentReference", ""): "document",
    ("QuestionnaireResponse", ""): "symptom_report",
    ("Flag", ""): "flag",  # a caseload flag raised on the child (the unreviewed symptom report)
}
# Records about a child (a break-glass grant and an MDT meeting are not: a meeting names no child;
# nor are the FHIR directory's people and teams).
CHILD_RECORDS = (frozenset(SEGMENT_OBJECTS.values()) | set(FHIR_OBJECTS.values())) - {
    "grant",
    "meeting",
    "caseload_import",  # an upload and its plan: its uploader's, about no one child
    "research_export",  # a pseudonymised export: its requester's, about no one child by name
    "bulk_export",  # an integration client's export of a team: the client's alone
    "bulk_export_file",
    "practitioner",
    "practitioner_role",
    "team",
}


@dataclass(frozen=True)
class Route:
    """One route (or one action of a dispatching route) with what its URL parameters stand for."""

    key: str  # the route's name, plus "[action]" for one action of a dispatching route
    name: str
    pattern: str  # as the resolver spells it, normalised: api/v1/patients/<pk>/
    methods: tuple[str, ...]  # DRF's mapped methods; empty for plain Django views
    params: tuple[tuple[str, str], ...]  # (URL parameter, object name)
    fixed: tuple[tuple[str, str], ...] = ()  # parameters with a literal value (the action)
    prefixes: tuple[tuple[str, str], ...] = ()  # (URL parameter, what comes before the id: "nb-")
    query: str = ""  # a query string; "<child>" stands for the child's id

    @property
    def is_api(self) -> bool:
        return self.pattern.startswith("api/v1/")

    @property
    def is_fhir(self) -> bool:
        return self.pattern.startswith("fhir/")

    @property
    def objects(self) -> tuple[str, ...]:
        return tuple(obj for _, obj in self.params)

    @property
    def about_a_child(self) -> bool:
        return any(obj in CHILD_RECORDS for obj in self.objects)


def _normalise(pattern: str) -> str:
    """Django path converters and DRF router regexes both become <name>."""
    pattern = pattern.replace("\\$", "\0").replace("^", "").replace("$", "").replace("\0", "$")
    pattern = re.sub(r"\(\?P<(\w+)>[^)]*\)", r"<\1>", pattern)
    return re.sub(r"<(?:\w+:)?(\w+)>", r"<\1>", pattern)


def _walk(patterns: list[Any], prefix: str = "", namespace: str = "") -> list[tuple[str, str, Any]]:
    found = []
    for entry in patterns:
        if isinstance(entry, URLResolver):
            ns = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            found += _walk(entry.url_patterns, prefix + str(entry.pattern), ns)
        elif isinstance(entry, URLPattern):
            path = _normalise(prefix + str(entry.pattern))
            found.append((path, f"{namespace}{entry.name}" if entry.name else path, entry.callback))
    return found


def _params(pattern: str) -> tuple[tuple[str, str], ...]:
    params: list[tuple[str, str]] = []
    segments = pattern.split("/")
    for index, segment in enumerate(segments):
        match = re.fullmatch(r"<(\w+)>(?:\.\w+)?", segment)
        if not match or match.group(1) in NOT_IDS:
            continue
        obj = SEGMENT_OBJECTS.get(segments[index - 1], segments[index - 1]) if index else ""
        if params:
            obj = NESTED_OBJECTS.get((params[-1][1], obj), obj)
        params.append((match.group(1), obj))
    return tuple(params)


# What a pathway page action on one record is about, by the record's model.
PATHWAY_OBJECTS = {
    "TreatmentCourse": "course",
    "Relapse": "relapse",
    "SymptomReport": "symptom_report",
    "Investigation": "investigation",
}


def _actions(name: str) -> list[tuple[str, str | None]]:
    """(action, object it needs or None) for a route that dispatches on <slug:action> (or
    <slug:decision>); [] otherwise."""
    from apps.pathways.views.actions import ACTIONS as PATHWAY_ACTIONS
    from apps.referrals.views import ACTIONS as REFERRAL_ACTIONS
    from apps.scheduling.views._common import RECORD_ACTIONS

    if name == "pathways:action":
        return [(key, None) for key, spec in PATHWAY_ACTIONS.items() if spec.model is None]
    if name == "pathways:object_action":
        return [
            (key, PATHWAY_OBJECTS.get(spec.model.__name__, spec.model.__name__))
            for key, spec in PATHWAY_ACTIONS.items()
            if spec.model is not None
        ]
    if name == "referrals:act":
        return [(key, None) for key in REFERRAL_ACTIONS]
    if name == "scheduling:act":
        return [(key, None) for key in [*RECORD_ACTIONS, "move", "cancel"]]
    if name == "tasks:act":
        return [(key, None) for key in ("claim", "start", "complete", "cancel", "comment")]
    if name == "referrals:identity_decide":
        return [("confirm", None), ("reject", None)]
    return []


def _fhir_routes(name: str, pattern: str, params: tuple[tuple[str, str], ...]) -> list[Route]:
    """/fhir/<resource_type>/<id> and /fhir/<resource_type>: one route per source (read) or per
    resource type (search, for child A when the type is about a child), from apps.fhir.sources."""
    from apps.fhir.sources import SOURCES

    if name == "fhir:read":
        return [
            Route(
                f"{name}[{kind}/{source.prefix}]" if source.prefix else f"{name}[{kind}]",
                name,
                pattern,
                (),
                ((params[0][0], FHIR_OBJECTS.get((kind, source.prefix), f"{kind}{source.prefix}")),),
                (("resource_type", kind),),
                ((params[0][0], source.prefix),),
            )
            for kind, sources in SOURCES.items()
            for source in sources
        ]
    return [
        Route(
            f"{name}[{kind}]",
            name,
            pattern,
            (),
            (),
            (("resource_type", kind),),
            query="patient=<child>" if any(s.patient_path for s in sources) else "",
        )
        for kind, sources in SOURCES.items()
    ]


def discover() -> list[Route]:
    """Every route outside the Django admin, one Route per action of a dispatching route."""
    routes = []
    for pattern, name, callback in _walk(get_resolver().url_patterns):
        if pattern.startswith("admin/"):
            continue
        methods = tuple(sorted(getattr(callback, "actions", {}) or ()))
        objects = ROUTE_OBJECTS.get(name, {})
        params = tuple((p, objects.get(p, o)) for p, o in _params(pattern))
        if name in ("fhir:read", "fhir:search"):
            routes += _fhir_routes(name, pattern, params)
            continue
        slug = next((s for s in ("action", "decision") if f"<{s}>" in pattern), None)
        actions = _actions(name)
        if slug is None or not actions:
            routes.append(Route(name, name, pattern, methods, params))
            continue
        for action, obj in actions:
            fixed_params = tuple((p, obj) if p == "obj_pk" and obj else (p, o) for p, o in params)
            routes.append(Route(f"{name}[{action}]", name, pattern, methods, fixed_params, ((slug, action),)))
    return routes


def admin_route_count() -> int:
    return sum(1 for pattern, _, _ in _walk(get_resolver().url_patterns) if pattern.startswith("admin/"))


def url_for(
    route: Route,
    records: Any,
    values: dict[str, str],
    *,
    rest: Any = None,
    swap: dict[str, str] | None = None,
) -> str:
    """The route's URL with each id taken from ``records`` (a world's records for one child).

    ``rest``: the records for every id after the first (another child's, to mix the two);
    ``swap``: use another record of the same kind (the staff-only thread for the thread).
    """
    url = "/" + route.pattern
    prefixes = dict(route.prefixes)
    for index, (param, obj) in enumerate(route.params):
        source = rest if rest is not None and index > 0 else records
        pk = source[(swap or {}).get(obj, obj)].pk
        url = url.replace(f"<{param}>", f"{prefixes.get(param, '')}{pk}")
    for param, value in (*route.fixed, *values.items()):
        url = url.replace(f"<{param}>", value)
    assert "<" not in url, f"{route.key}: no value for a parameter of {url}"
    return url


def openapi_operations() -> dict[str, set[str]]:
    """Path (as /api/v1/patients/<pk>/) -> the methods drf-spectacular documents for it."""
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    operations = {}
    for path, item in schema["paths"].items():
        normalised = re.sub(r"\{(\w+)\}", r"<\1>", path).lstrip("/")
        operations[normalised] = {
            method for method in item if method in {"get", "post", "patch", "put", "delete"}
        }
    return operations
