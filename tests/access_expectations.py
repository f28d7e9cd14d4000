"""What each role gets from each route: the access matrix as data.

Every route the resolver finds is either in ROUTES or in EXEMPT (with its reason); a new route
without an entry fails ``test_every_route_has_a_declared_expectation``. An entry starts from the
defaults of its group (chosen by URL prefix, see ``group_of``) and names only what differs.

Outcomes, per role:
  ok            allowed: a read answers 200 (or 302 for an entry with ``read="302"``); a write
                reaches its handler (200, 201, 204, 302, 400, 409 or 415; never a refusal)
  404           out of scope: the same answer as a record that does not exist; nothing is written
  403           in scope without the role (the API says code "permission_denied"); nothing written
  login         302 to the staff login      portal-login   302 to the family login
  unauth        the API without credentials: 403 with code "not_authenticated" (session auth first)
  empty         a FHIR search that finds nothing for this reader: 200 with an empty Bundle (and
                "ok" for a FHIR search means it found child A's rows)
A value "ok/403" means ok for reads (GET) and 403 for writes.

The project rule: out of scope is 404, decided before any role check; in scope without the role
is 403. Where the code does not follow it yet, the entry says what the rule demands and DEVIATIONS
names the case, so the test is an expected failure (strict) until the fix lands.

WRITES (at the end) gives some allowed writes a real body and says what each must change.
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone

from apps.documents.models import FamilyDocument
from apps.imports.models import CaseloadImport
from apps.pathways.models import Relapse, SymptomReport
from apps.patients.models import CareTeamMember, Guardian, GuardianInvitation, Patient
from apps.questionnaires.models import Assignment, Questionnaire, QuestionnaireResponse
from apps.scheduling.models import AppointmentEvent
from apps.tasks.models import Task

from .access_routes import Route, url_for
from .access_world import QUESTIONNAIRE_ANSWERS, SUBJECTS, World

OUTCOMES = {"ok", "302", "404", "403", "405", "login", "portal-login", "unauth", "empty"}
# Values for the path parameters that are not ids (a wrong secret link, a specialty).
TOKENS = {"token": "not-a-real-token", "specialty": "neurology"}


def _roles(default: str, anon: str, **named: str) -> dict[str, str]:
    table = dict.fromkeys(SUBJECTS, default)
    table["anon"] = anon
    table.update(named)
    return table


# Defaults by group. Child A's routes: nurse_a (care team) and nurse_glass (break-glass) may read
# them; family_b, nurse_other, consultant_other and admin cannot see child A at all.
GROUPS = {
    # Staff pages about one child (/patients/<pk>/..., /referrals/<pk>/, /series/<pk>/ ...).
    "staff-child": _roles("404", "login", nurse_a="ok", nurse_glass="ok"),
    # Staff pages about no one child (lists, forms): any staff; families are not staff (404).
    "staff": _roles("ok", "login", family_a="404", family_b="404"),
    # Family portal pages about one child: only that child's guardian.
    "portal-child": _roles("404", "portal-login", family_a="ok"),
    # Family portal pages about no one child: any family; staff are not families (404).
    "portal": _roles("404", "portal-login", family_a="ok", family_b="ok"),
    # API about one child: staff who see the child; the family reads, but does not write.
    "api-child": _roles("404", "unauth", nurse_a="ok", nurse_glass="ok", family_a="ok/403"),
    # The clinical record API is for staff only: clinical_record_patients() has no child for a family.
    "api-clinical": _roles("404", "unauth", nurse_a="ok", nurse_glass="ok"),
    # API about no one child: any staff; families lack the role (403).
    "api": _roles("ok", "unauth", family_a="403", family_b="403"),
    # A secret link (calendar feed, invitation): a wrong token is a 404 for everyone.
    "token": _roles("404", "404"),
    # FHIR (/fhir/): a resource about child A is staff's (the family's per resource type, below);
    # others get a 404 OperationOutcome. A search answers everyone signed in, finding only what
    # they may see. The directory (staff, teams) is for staff.
    "fhir-child": _roles("404", "unauth", nurse_a="ok", nurse_glass="ok"),
    "fhir-child-search": _roles("empty", "unauth", nurse_a="ok", nurse_glass="ok"),
    "fhir-directory": _roles("ok", "unauth", family_a="404", family_b="404"),
    "fhir-directory-search": _roles("ok", "unauth", family_a="empty", family_b="empty"),
}
CLINICAL_SEGMENTS = (
    "pathway",
    "timeline",
    "criteria",
    "assessment",
    "investigations",
    "tumours",
    "scores",
    "courses",
    "relapses",
    "tracks",
)


def _query(route: Route) -> str:
    return "&".join(q for q in (route.query, ROUTES[route.name].query) if q)


def about_a_child(route: Route) -> bool:
    """The route names a child's record, in its path or its query string."""
    return route.about_a_child or "<child>" in _query(route)


def url_of(route: Route, records: Any, *, rest: Any = None, swap: dict[str, str] | None = None) -> str:
    """The route's URL for one world's records (see ``url_for``), with its query string."""
    url = url_for(route, records, TOKENS, rest=rest, swap=swap)
    query = _query(route).replace("<child>", str(records["child"].pk))
    return f"{url}?{query}" if query else url


def group_of(route: Route) -> str:
    if "<token>" in route.pattern:
        return "token"
    if route.is_fhir:
        kind = "child" if about_a_child(route) else "directory"
        return f"fhir-{kind}-search" if route.name == "fhir:search" else f"fhir-{kind}"
    if route.is_api:
        if not about_a_child(route):
            return "api"
        segments = route.pattern.split("/")  # api, v1, patients, <patient_pk>, criteria, ""
        clinical = segments[2] == "patients" and len(segments) > 4 and segments[4] in CLINICAL_SEGMENTS
        return "api-clinical" if clinical else "api-child"
    portal = route.pattern.startswith("portal/")
    if about_a_child(route):
        return "portal-child" if portal else "staff-child"
    return "portal" if portal else "staff"


@dataclass(frozen=True)
class Expect:
    methods: str = ""  # plain Django views: the methods served ("GET POST"); DRF routes take the router's
    roles: dict[str, str] = field(default_factory=dict)
    read: str = "200"  # what "ok" means for a GET: 200, or 302 for a page that sends you on
    actions: dict[str, dict[str, str]] = field(default_factory=dict)  # per action of a dispatching route
    sees_child_a: frozenset[str] = frozenset()  # out-of-scope roles that may still read child A's name here
    query: str = ""  # a query string the route needs; "<child>" stands for the child's id
    # A minimal valid body for the writes, from one child's records, where an empty one would stop
    # at validation before the role is checked (otherwise writes send an empty body).
    body: Callable[[Any], dict] | None = None
    # A read that shows child A though the path names no record of theirs (an MDT meeting's list):
    # audited for those who see child A, as a route about the child is.
    shows_child_a: bool = False


def page(
    methods: str,
    read: str = "200",
    actions: dict | None = None,
    sees: frozenset = frozenset(),
    query: str = "",
    body: Callable[[Any], dict] | None = None,
    shows: bool = False,
    **roles: str,
) -> Expect:
    return Expect(methods, roles, read, actions or {}, sees, query, body, shows)


def api(
    sees: frozenset = frozenset(),
    body: Callable[[Any], dict] | None = None,
    shows: bool = False,
    **roles: str,
) -> Expect:
    return Expect(roles=roles, sees_child_a=sees, body=body, shows_child_a=shows)


def fhir(actions: dict | None = None, **roles: str) -> Expect:
    """A FHIR route: GET only; ``actions`` keyed by resource type."""
    return Expect(methods="GET", roles=roles, actions=actions or {})


def body_for(route: Route, records: Any) -> dict | None:
    make = ROUTES[route.name].body
    return make(records) if make else None


# MDT writes validate their body before the role: give them one that is valid apart from the role.
def _carry_over(r: Any) -> dict:
    return {"reason": "Awaiting MRI"}


def _outcome(r: Any) -> dict:
    return {"decision": "Start rituximab", "agreed_by": [r["meeting"].chair_id]}


def _order(r: Any) -> dict:
    return {"item_ids": list(r["meeting"].items.values_list("pk", flat=True))}


NURSES_403 = {"nurse_a": "403", "nurse_glass": "403"}
SESSION_SUBJECTS = tuple(s for s in SUBJECTS if s != "anon")
STAFF_403 = dict.fromkeys(("nurse_a", "nurse_glass", "nurse_other", "consultant_other", "admin"), "403")
NOT_GLASS = {"nurse_glass": "404"}
NOT_RESEARCH_LEAD = dict.fromkeys(("nurse_a", "nurse_glass", "nurse_other", "consultant_other"), "403")
# Caseload import: nurses with no team and consultants may not import (403); an import is nurse_a's.
NOT_IMPORTERS = {"nurse_glass": "403", "nurse_other": "403", "consultant_other": "403"}
IMPORT_OWNER = dict.fromkeys(
    ("nurse_glass", "nurse_other", "consultant_other", "admin"), "404"
)  # a task is for its assignee and team, not everyone who sees the child

# What a family reads of its own child over FHIR: never the clinical record, referrals or tasks.
FHIR_FAMILY_READS = {
    kind: {"family_a": "ok"}
    for kind in ("Patient", "RelatedPerson", "CareTeam", "Appointment", "Communication", "DocumentReference")
}

ROUTES: dict[str, Expect] = {
    # --- staff pages ---------------------------------------------------------------------
    "caseload:home": page("GET"),
    "patients:register": page("GET POST"),
    "patients:detail": page("GET POST"),  # POST renders the page again (no @require_GET)
    "patients:edit": page("GET POST"),
    "patients:guardian_add": page("GET POST"),
    "patients:guardian_invite": page("GET POST"),
    "patients:invitation_withdraw": page("POST"),
    "patients:guardian_deactivate": page("POST"),
    # HAZ-10: parental responsibility and the young person's consent, as guardian_deactivate.
    "patients:guardian_parental_responsibility": page("POST"),
    "patients:guardian_young_person_consent": page("POST"),
    "patients:care_team_add": page("GET POST"),
    "patients:care_team_end": page("POST"),
    "patients:access_log": page("GET POST"),  # POST renders the log again (no @require_GET)
    "patients:break_glass": page("GET POST"),
    # The administrator reviews every grant, naming its child; others see their own. No @require_GET.
    "audit:break_glass_review_list": page("GET POST", sees=frozenset({"admin"})),
    # Only the clinic administrator's review queue holds grants; for anyone else a grant is not there.
    "audit:break_glass_review": page(
        "POST", nurse_a="404", nurse_glass="404", nurse_other="404", consultant_other="404"
    ),
    "pathways:review": page("GET"),
    "pathways:timeline": page("GET"),
    # Treatment, diagnosis and tumour are a consultant's (or surgeon's): a nurse is refused.
    "pathways:action": page(
        "POST", actions=dict.fromkeys(("course", "criterion", "diagnosis", "tumour"), NURSES_403)
    ),
    "pathways:object_action": page("POST", actions={"course-transition": NURSES_403}),
    "referrals:inbox": page("GET"),
    "referrals:sent": page("GET"),
    "referrals:external": page("GET POST"),
    "referrals:detail": page("GET"),
    # Child A's referral goes to Oncology: neither nurse triages it; only nurse_a (the referrer) cancels.
    "referrals:act": page(
        "POST",
        actions={
            **dict.fromkeys(("accept", "decline", "seen", "complete", "book"), NURSES_403),
            "cancel": {"nurse_glass": "403"},
        },
    ),
    "referrals:attachment": page("GET"),
    "referrals:create": page("GET POST"),
    "tasks:worklist": page("GET"),
    "tasks:create": page("GET POST"),
    "tasks:bulk": page("POST"),
    "tasks:detail": page("GET", **NOT_GLASS),
    "tasks:act": page("POST", **NOT_GLASS),
    # POST renders (no @require_GET); families are sent on to the portal's Updates page.
    "notifications:list": page("GET POST", family_a="302", family_b="302"),
    "notifications:mark_all_read": page("POST", family_a="ok", family_b="ok"),
    "scheduling:appointments": page("GET"),
    "scheduling:book": page("POST"),
    "scheduling:act": page("POST"),
    "scheduling:series_new": page("GET POST"),
    "scheduling:series": page("GET"),
    "scheduling:series_stop": page("POST"),
    "scheduling:series_move": page("POST"),
    "scheduling:clinic": page("GET"),
    "scheduling:overdue_reviews": page("GET"),
    "scheduling:my_calendar": page("GET"),
    "scheduling:my_calendar_regenerate": page("POST"),
    "scheduling:feed": page("GET"),
    "documents:staff_list": page("GET POST"),
    "documents:staff_download": page("GET"),
    "documents:staff_withdraw": page("POST"),
    "documents:staff_release": page("POST"),
    "messaging:inbox": page("GET"),
    "messaging:thread": page("GET POST"),
    "messaging:mark": page("POST"),
    "messaging:attachment": page("GET"),
    "messaging:patient_threads": page("GET"),
    "messaging:thread_new": page("GET POST"),
    "accounts:account": page("GET POST"),  # the caller's own API tokens
    "accounts:absence": page("GET POST"),  # the caller's own time away (HAZ-14)
    # Outside referrals about a known child wait for the child's own team (not break-glass) or
    # the records team (the clinic administrator) to say whether they are about that child.
    "referrals:identity_queue": page("GET", sees=frozenset({"admin"})),
    "referrals:identity_decide": page("POST", nurse_glass="404", admin="ok"),
    # MDT: a meeting's schedule is for all staff; a listed child for those who may see the child;
    # listing needs the child's care team, the meeting's running the chair (in scope without: 403).
    "transition:plan": page("GET"),
    "transition:open": page("POST", nurse_glass="403"),
    "transition:update": page("POST", nurse_glass="403"),
    "transition:readiness": page("POST", nurse_glass="403"),
    "transition:joint_appointment": page("POST", nurse_glass="403"),
    "transition:transfer": page("POST", nurse_glass="403"),
    "transition:family_plan": page("GET"),
    # Emergency plans: the care team prepares (not break-glass), only a consultant approves (a nurse: 403).
    "emergency_plans:plan": page("GET"),
    "emergency_plans:prepare": page("POST", nurse_glass="403"),
    "emergency_plans:approve": page("POST", **NURSES_403),
    "emergency_plans:staff_pdf": page("GET"),
    "emergency_plans:staff_card": page("GET"),
    "emergency_plans:family_plan": page("GET"),
    "emergency_plans:family_pdf": page("GET"),
    "emergency_plans:family_card": page("GET"),
    # The diary: the family fills in today's entry; staff read the strip. A watch is changed only by
    # a nurse specialist or consultant on the care team (a break-glass reader reads it: 403).
    "diary:family": page("GET POST"),
    "diary:staff": page("GET"),
    "watch:staff": page("GET"),
    "watch:open": page("POST", nurse_glass="403"),
    "watch:extend": page("POST", nurse_glass="403"),
    "watch:end": page("POST", nurse_glass="403"),
    "questionnaires:staff_list": page("GET"),
    "questionnaires:assign": page("POST", nurse_glass="403"),
    "questionnaires:staff_response": page("GET"),
    "questionnaires:family_list": page("GET"),
    "questionnaires:family_answer": page("GET POST"),
    # Family videos: the family that sent one (the portal), the staff who see the child; reviewing
    # is the care team's (a break-glass reader may watch, not review: 403).
    "videos:family_list": page("GET"),
    "videos:family_new": page("GET POST"),
    "videos:upload_start": page("POST"),
    "videos:upload": page("GET POST"),
    "videos:upload_finish": page("POST"),
    "videos:family_video": page("GET"),
    "videos:family_stream": page("GET"),
    "videos:family_thumbnail": page("GET"),
    "videos:staff_list": page("GET"),
    "videos:staff_stream": page("GET"),
    "videos:staff_thumbnail": page("GET"),
    "videos:staff_review": page("POST", nurse_glass="403"),
    "videos:staff_add_to_record": page("POST", nurse_glass="403"),
    "mdt:meetings": page("GET POST"),
    "mdt:meeting": page("GET", shows=True),
    "mdt:screen": page("GET", shows=True),
    "mdt:attendance": page("POST", **STAFF_403),
    "mdt:item_add": page("GET POST", query="patient=<child>", nurse_glass="403"),
    "mdt:item": page("GET POST", nurse_a="ok/403", nurse_glass="ok/403"),  # POST: the outcome
    "mdt:item_move": page("POST", **NURSES_403),
    "mdt:item_carry_over": page("POST", body=_carry_over, nurse_glass="403"),
    # Telling the family: a clinician who chairs or is on the child's care team (break-glass: 403).
    "mdt:item_letter": page("POST", nurse_glass="403"),
    "mdt:item_release": page("POST", nurse_glass="403"),
    # Neuropsychology: an assessment is recorded by a neuropsychologist or psychologist (the nurses
    # are in scope without the role: 403); school support and letters by any clinician who sees the child.
    "neuropsych:page": page("GET POST", nurse_a="ok/403", nurse_glass="ok/403"),
    "neuropsych:school_support": page("POST"),
    "neuropsych:letter_draft": page("POST"),
    "neuropsych:letter": page("GET POST"),
    "neuropsych:letter_release": page("POST"),
    # Caseload import: the clinic administrator and nurse specialists on a team (nurse_a, on Nursing);
    # an import is its uploader's. The administrator, as the records role, exports a whole team's caseload.
    "imports:home": page("GET POST", **NOT_IMPORTERS),
    "imports:template": page("GET"),
    "imports:export": page("GET", query="team=nursing", sees=frozenset({"admin"}), **NOT_IMPORTERS),
    "imports:detail": page("GET", **IMPORT_OWNER),
    "imports:progress": page("GET", **IMPORT_OWNER),
    "imports:apply": page("POST", **IMPORT_OWNER),
    # Consent: recorded and withdrawn by a nurse specialist or consultant on the child's care team
    # (break-glass reads it, is refused a change). The research export is the research lead's (the
    # clinic administrator with research.run_export): other staff 403, families are not staff (404);
    # an export downloads only for the person who asked for it.
    "research:consent": page("GET"),
    "research:consent_record": page("POST", nurse_glass="403"),
    "research:consent_withdraw": page("POST", nurse_glass="403"),
    "research:exports": page("GET POST", **NOT_RESEARCH_LEAD),
    "research:export_download": page("GET", **NOT_RESEARCH_LEAD),
    # --- family portal -------------------------------------------------------------------
    "documents:family_list": page("GET"),
    "documents:family_download": page("GET"),
    "messaging:family_home": page("GET", read="302"),  # on to the child's conversations
    "messaging:family_threads": page("GET"),
    "messaging:family_new": page("GET POST"),
    "messaging:family_thread": page("GET POST"),
    "messaging:family_attachment": page("GET"),
    "portal:home": page("GET", read="302"),  # on to the child's page
    "portal:child": page("GET POST"),
    "portal:appointment_confirm": page("POST"),
    "portal:appointment_cant_make_it": page("GET POST"),
    "portal:symptoms": page("GET POST"),
    "portal:symptoms_sent": page("GET"),
    "portal:updates": page("GET"),  # the family's own updates, about the children they see
    "portal:account": page("GET POST"),
    "portal:invite": page("GET POST"),
    "portal:api_tokens": page("GET POST"),  # the family's own API tokens
    # --- API: patients and the people around them ----------------------------------------
    "patient-list": api(family_a="ok/403", family_b="ok/403"),  # a family lists its own children
    "patient-detail": api(),
    "patient-guardian-list": api(),
    "patient-guardian-detail": api(),
    "patient-guardian-deactivate": api(),
    "patient-care-team-list": api(),
    "patient-care-team-detail": api(),
    "patient-care-team-end": api(),
    "patient-invitation-list": api(family_a="403"),
    "invitation-withdraw": api(),
    "caseload": api(),
    "caseload-import-list": api(**NOT_IMPORTERS),
    "caseload-import-template": api(),
    "caseload-import-detail": api(family_a="404", family_b="404", **IMPORT_OWNER),
    "caseload-import-apply": api(family_a="404", family_b="404", **IMPORT_OWNER),
    "caseload-export": Expect(roles=NOT_IMPORTERS, sees_child_a=frozenset({"admin"}), query="team=nursing"),
    # --- API: referrals and tasks (staff objects: a family finds none) -------------------
    "referral-list": api(),
    "referral-external": api(),
    "referral-detail": api(family_a="404"),
    "referral-accept": api(family_a="404", **NURSES_403),
    "referral-decline": api(family_a="404", **NURSES_403),
    "referral-seen": api(family_a="404", **NURSES_403),
    "referral-complete": api(family_a="404", **NURSES_403),
    "referral-book": api(family_a="404", **NURSES_403),
    "referral-cancel": api(family_a="404", nurse_glass="403"),
    "referral-letters": api(family_a="404", nurse_glass="ok/403"),
    "referral-identity-queue": api(sees=frozenset({"admin"})),
    "referral-confirm-identity": api(family_a="404", nurse_glass="404", admin="ok"),
    "referral-reject-identity": api(family_a="404", nurse_glass="404", admin="ok"),
    "task-list": api(),
    "task-bulk-complete": api(),
    "task-bulk-reassign": api(),
    "task-detail": api(family_a="404", **NOT_GLASS),
    "task-claim": api(family_a="404", **NOT_GLASS),
    "task-start": api(family_a="404", **NOT_GLASS),
    "task-complete": api(family_a="404", **NOT_GLASS),
    "task-cancel": api(family_a="404", **NOT_GLASS),
    "task-comment": api(family_a="404", **NOT_GLASS),
    # --- API: the clinical record (staff only) -------------------------------------------
    "scale-list": api(),
    "patient-pathway": api(),
    "patient-timeline": api(),
    "patient-criteria": api(nurse_a="ok/403", nurse_glass="ok/403"),
    "patient-assessment": api(**NURSES_403),
    "patient-investigation-list": api(),
    "patient-investigation-detail": api(),
    "patient-investigation-book": api(),
    "patient-investigation-done": api(),
    "patient-investigation-result": api(),
    "patient-investigation-acknowledge": api(),
    "patient-investigation-cancel": api(),
    "patient-tumour-list": api(nurse_a="ok/403", nurse_glass="ok/403"),
    "patient-tumour-detail": api(nurse_a="ok/403", nurse_glass="ok/403"),
    "patient-score-list": api(),
    "patient-course-list": api(nurse_a="ok/403", nurse_glass="ok/403"),
    "patient-course-detail": api(),
    "patient-course-transition": api(**NURSES_403),
    "patient-relapse-list": api(),
    "patient-relapse-detail": api(),
    "patient-track-list": api(),
    "patient-track-move": api(),
    # --- API: scheduling -----------------------------------------------------------------
    "patient-appointment-list": api(),
    "appointment-detail": api(),
    "appointment-confirm": api(family_a="ok"),  # the family confirms; only staff record the rest
    "appointment-attended": api(),
    "appointment-did-not-attend": api(),
    "appointment-cancel": api(),
    "appointment-move": api(),
    "patient-series-list": api(family_a="403"),
    "series-detail": api(family_a="403"),
    "series-move": api(family_a="403"),
    "series-stop": api(family_a="403"),
    "clinic-list": api(),
    "review-policy-list": api(),
    "overdue-review-list": api(),
    # --- API: MDT meetings (a meeting is staff information: a family finds none) --------
    "transition-plan": api(nurse_glass="ok/403"),
    "transition-open": api(nurse_glass="ok/403"),
    "transition-readiness": api(nurse_glass="ok/403"),
    "transition-joint-appointment": api(nurse_glass="ok/403"),
    "transition-transfer": api(nurse_glass="ok/403"),
    "emergency-plan": api(family_a="404"),  # staff only: a draft is never the family's (the portal is)
    "mdt-meeting-list": api(),
    "mdt-meeting-detail": api(shows=True, family_a="404", family_b="404"),
    "mdt-meeting-items": api(family_a="404", family_b="404"),
    "mdt-meeting-order": api(body=_order, family_a="404", family_b="404", **STAFF_403),
    "mdt-item-detail": api(family_a="404"),
    "mdt-item-carry-over": api(body=_carry_over, family_a="404", nurse_glass="403"),
    "mdt-item-outcome": api(body=_outcome, family_a="404", **NURSES_403),
    "mdt-item-letter": api(family_a="404", nurse_glass="403"),
    "mdt-item-release": api(family_a="404", nurse_glass="403"),
    "patient-mdt-decision-list": api(),
    "patient-questionnaire-response-list": api(family_a="403"),  # staff read; families answer in the portal
    # --- FHIR R4 (the audiences are the owning apps' own) --------------------------------
    "fhir:metadata": fhir(**dict.fromkeys(SUBJECTS, "ok")),  # read before signing in
    "fhir:everything": fhir(family_a="ok"),
    "fhir:read": fhir(actions={**FHIR_FAMILY_READS, "Task": NOT_GLASS}),
    "fhir:search": fhir(actions={**FHIR_FAMILY_READS, "Task": {"nurse_glass": "empty"}}),
    # Bulk export is for integration clients only (tests/fhir/test_bulk_export.py): a session is
    # refused the kick-off (403), and an export and its files are the exporting client's (404).
    "fhir:export": fhir(**dict.fromkeys(SESSION_SUBJECTS, "403")),
    "fhir:export-status": fhir(**dict.fromkeys(SESSION_SUBJECTS, "404")),
    "fhir:export-file": fhir(**dict.fromkeys(SESSION_SUBJECTS, "404")),
    # --- API: messages, documents, symptom reports ---------------------------------------
    "patient-thread-list": api(family_a="ok"),
    "thread-inbox": api(family_a="ok", family_b="ok"),
    "thread-detail": api(),
    "thread-messages": api(family_a="ok"),
    "thread-read": api(family_a="ok"),
    "thread-mark": api(),
    "thread-attachment": api(),
    "patient-document-list": api(),
    "document-detail": api(),
    "document-download": api(),
    "document-withdraw": api(),
    "document-release": api(),
    # The neuropsychology record is staff's: a family in scope gets a 403 (released letters are in
    # their documents).
    "patient-neuropsych-assessments": api(family_a="403", nurse_a="ok/403", nurse_glass="ok/403"),
    "patient-neuropsych-school": api(family_a="403"),
    "patient-neuropsych-letters": api(family_a="403"),
    "school-letter-detail": api(family_a="403"),
    "school-letter-release": api(family_a="403"),
    "patient-symptom-report-list": api(family_a="ok", nurse_a="ok/403", nurse_glass="ok/403"),
    "symptom-report-review": api(),
    # The family writes its own child's diary (today's entry); staff read it and may not write it.
    "patient-diary": api(family_a="ok", nurse_a="ok/403", nurse_glass="ok/403"),
    # Watch periods are the care team's: a family in scope gets a 403.
    "patient-watch": api(family_a="403"),
    "patient-watch-open": api(family_a="403", nurse_glass="403"),
    "patient-watch-extend": api(family_a="403", nurse_glass="403"),
    "patient-watch-end": api(family_a="403", nurse_glass="403"),
}

EXEMPT: dict[str, str] = {
    "root": "redirects whoever asks to their home page; reads nothing",
    "healthz": "ops health check, no user data (tests/ops/test_health.py)",
    "livez": "ops liveness probe for load balancers, no user data (tests/ops)",
    "accounts:staff_login": "auth: the staff login form (tests/accounts)",
    "accounts:family_login": "auth: the family login form (tests/accounts)",
    "accounts:logout": "auth: ends the caller's own session",
    "accounts:password_reset": "auth: asks for a reset email; says the same for every address",
    "accounts:password_reset_done": "auth: a static 'email sent' page",
    "accounts:password_reset_confirm": "auth: a signed one-time link (Django's token check)",
    "accounts:password_reset_complete": "auth: a static 'password changed' page",
    **{
        f"accounts:{name}": "auth: the caller's own second step (tests/accounts)"
        for name in (
            "two_factor",
            "two_factor_setup",
            "two_factor_verify",
            "backup_codes",
            "new_backup_codes",
            "two_factor_off",
        )
    },
    "accounts:absence_withdraw": (
        "the caller's own time away: only their own rows, anyone else's is 404 "
        "(tests/tasks/test_cover.py::test_families_and_other_staff_cannot_use_someone_elses_absence)"
    ),
    "schema": "the OpenAPI schema: any logged-in user, no records (cross-checked below)",
    "oauth2-token": (
        "the OAuth2 token endpoint: a client's id and secret, no session and no records "
        "(tests/fhir/test_integration_clients.py gets and refuses tokens)"
    ),
    "api-docs": "Swagger UI for the schema: any logged-in user, no records",
}
ADMIN_EXEMPT_REASON = "Django admin: clinic administrators only, under the admin's own permissions"

# Cases where the code answers otherwise than the rule: (route key, subject) -> why. None today.
DEVIATIONS: dict[tuple[str, str], str] = {}
# The same for another child's records asked for by nurse_a or family_a (who see only child A).
CROSS_CHILD_DEVIATIONS: dict[tuple[str, str], str] = {}


def expectations(route: Route) -> dict[str, str]:
    """Role -> outcome ("ok/403" form allowed) for this route, defaults and overrides applied."""
    spec = ROUTES[route.name]
    table = {**GROUPS[group_of(route)], **spec.roles}
    action = next(iter(dict(route.fixed).values()), None)
    if action:
        table.update(spec.actions.get(action, {}))
    return table


def outcome(route: Route, subject: str, method: str) -> str:
    value = expectations(route)[subject]
    read, _, write = value.partition("/")
    result = read if method == "get" or not write else write
    if result == "ok" and method == "get" and ROUTES[route.name].read == "302":
        return "302"
    return result


def methods_of(route: Route) -> tuple[str, ...]:
    """The methods a route serves, lower case: DRF's mapping, or the entry's for a plain view."""
    if route.methods:
        return route.methods
    return tuple(m.lower() for m in ROUTES[route.name].methods.split())


# --- the allowed writes, with a body that should succeed and what it changes ----------------

GUARDIAN = {"full_name": "New Person", "email": "new.person@example.org", "relationship": "father"}
SYMPTOMS = {
    "unsteady": "a_lot",
    "jerky_movements": "no",
    "eye_movements": "a_little",
    "sleep": "no",
    "behaviour": "no",
    "speech": "no",
    "recent_illness": "no",
}


DIARY_FORM = {
    "unsteadiness": "0",
    "jerks": "1",
    "eye_movements": "0",
    "sleep_hours": "11",
    "night_waking": "none",
    "mood": "good",
    "rage_episodes": "0",
    "illness": "none",
    "immunisation": "no",
}
DIARY_API = {**DIARY_FORM, "sleep_hours": 11, "rage_episodes": 0, "immunisation": False}


def _diary_entries(w: World) -> int:
    from apps.diary.models import DiaryEntry

    return DiaryEntry.objects.filter(patient=w.child_a).count()


def _watches(w: World) -> int:
    from apps.watch.models import WatchPeriod

    return WatchPeriod.objects.filter(patient=w.child_a).count()


def _guardian_active(w: World) -> bool:
    return Guardian.objects.get(pk=w.a["guardian"].pk).is_active


def _member_end(w: World) -> Any:
    return CareTeamMember.objects.get(pk=w.a["member"].pk).end_date


def _new_guardian(w: World) -> bool:
    return Guardian.objects.filter(patient=w.child_a, user__email=GUARDIAN["email"]).exists()


def _import_digest() -> dict:
    return {"content_sha256": CaseloadImport.objects.get(filename="caseload.csv").content_sha256}


def _import_status(w: World) -> str:
    return CaseloadImport.objects.get(pk=w.a["caseload_import"].pk).status


def _assign_form() -> dict:
    demo = Questionnaire.objects.get(code="behaviour-and-sleep-demo")  # the world made sure of it
    return {
        "questionnaire": demo.pk,
        "due_on": (timezone.localdate() + datetime.timedelta(days=7)).isoformat(),
    }


def _relapse_form() -> dict:
    onset = (timezone.localdate() - datetime.timedelta(days=1)).isoformat()
    return {"relapse-onset_date": onset, "relapse-severity": "mild", "relapse-trigger": "illness"}


# route key -> (body or a function making it, a function of the world that the write changes)
def _video(w: Any) -> Any:
    from apps.videos.models import Video

    return Video.objects.get(pk=w.a["video"].pk)


WRITES: dict[str, tuple[Any, Any]] = {
    "patients:guardian_deactivate": ({}, _guardian_active),
    "patients:care_team_end": ({}, _member_end),
    "patients:guardian_add": ({**GUARDIAN, "has_parental_responsibility": "on"}, _new_guardian),
    "patients:guardian_invite": (
        {**GUARDIAN, "has_parental_responsibility": "on"},  # a link needs a legal basis (HAZ-10)
        lambda w: GuardianInvitation.objects.filter(email=GUARDIAN["email"]).exists(),
    ),
    "patients:invitation_withdraw": (
        {},
        lambda w: GuardianInvitation.objects.get(pk=w.a["invitation"].pk).revoked_at,
    ),
    "pathways:action[relapse]": (_relapse_form, lambda w: Relapse.objects.filter(patient=w.child_a).count()),
    "documents:staff_withdraw": (
        {},
        lambda w: FamilyDocument.objects.get(pk=w.a["document"].pk).is_withdrawn,
    ),
    "portal:appointment_confirm": (
        {},
        lambda w: AppointmentEvent.objects.filter(appointment=w.a["appointment"], kind="confirmed").exists(),
    ),
    "portal:appointment_cant_make_it": (
        {"reason": "School trip"},
        lambda w: Task.objects.filter(
            source_key__startswith=f"appointment:{w.a['appointment'].pk}:"
        ).exists(),
    ),
    "portal:symptoms": (SYMPTOMS, lambda w: SymptomReport.objects.filter(patient=w.child_a).count()),
    "questionnaires:assign": (
        _assign_form,
        lambda w: Assignment.objects.filter(patient=w.child_a).count(),
    ),
    "questionnaires:family_answer": (
        QUESTIONNAIRE_ANSWERS,
        lambda w: QuestionnaireResponse.objects.filter(patient=w.child_a).count(),
    ),
    "patient-detail": ({"school": "Changed School"}, lambda w: Patient.objects.get(pk=w.child_a.pk).school),
    "patient-guardian-list": (GUARDIAN, _new_guardian),
    # The uploader applies her dry run (the world's one-row file for Nursing), naming its digest.
    "imports:apply": (_import_digest, _import_status),
    "caseload-import-apply": (_import_digest, _import_status),
    "patient-guardian-deactivate": ({}, _guardian_active),
    "patient-care-team-end": ({}, _member_end),
    "diary:family": (DIARY_FORM, _diary_entries),
    "patient-diary": (DIARY_API, _diary_entries),
    "watch:open": ({"days": "10", "reason": "Sibling has chickenpox"}, _watches),
    "patient-watch-open": ({"days": 10, "reason": "Sibling has chickenpox"}, _watches),
    "videos:staff_review": ({"outcome": "significant"}, lambda w: _video(w).outcome),
    "videos:staff_add_to_record": ({"note": "Opsoclonus on waking"}, lambda w: _video(w).record_note),
}
