"""Every route the project serves, HTML and API, answers each role as declared: the access matrix.

The routes come from the URL resolver (tests/access_routes.py), so a new route without a declared
expectation fails; the expectations are data (tests/access_expectations.py); the records the URLs
name come from one world built per module (tests/access_world.py).

For each route and role: out of scope is 404 (the same body as a missing record) and writes
nothing; in scope without the role is 403 and writes nothing; every in-scope read of a child is
audited once, with the request id, the channel and the break-glass flag; no family response
carries staff-only words; no refusal, and no list, shows a child to someone who cannot see them.
Another child's records, alone or under one's own child's URL, are 404 to those who see only
child A; a staff-only thread is 404 to the family; pages refuse the methods they do not declare;
the allowed writes, given a real body, change what they should.
"""

import itertools
import json
from typing import Any

import pytest
from django.http import HttpResponse

from apps.audit.models import AccessEvent
from apps.patients.models import Patient

from .access_expectations import (
    ADMIN_EXEMPT_REASON,
    CROSS_CHILD_DEVIATIONS,
    DEVIATIONS,
    EXEMPT,
    GROUPS,
    OUTCOMES,
    ROUTES,
    WRITES,
    about_a_child,
    body_for,
    methods_of,
    outcome,
    url_of,
)
from .access_routes import Route, admin_route_count, discover, openapi_operations
from .access_world import (
    STAFF_ONLY_MARKERS,
    SUBJECTS,
    World,
    recording_writes,
    rolled_back,
    world_in_transaction,
)

FOUND = discover()
DECLARED = [route for route in FOUND if route.name in ROUTES]
OK_WRITE = {200, 201, 204, 302, 400, 409, 415}
REFUSED = {"404", "403", "405", "login", "portal-login", "unauth", "empty"}
NOT_FOUND = {"error": {"status": 404, "code": "not_found", "message": "Not found.", "fields": {}}}
SEES_CHILD_A = {"nurse_a", "nurse_glass", "family_a"}
# The basis each reader's reads of child A are recorded with (nurse_a is on the care team too).
BASIS = {"family_a": "guardian", "nurse_a": "named_nurse", "nurse_glass": "break_glass"}


@pytest.fixture(scope="module")
def built_world(django_db_setup, django_db_blocker, tmp_path_factory):  # type: ignore[no-untyped-def]
    yield from world_in_transaction(django_db_blocker, str(tmp_path_factory.mktemp("media")))


@pytest.fixture
def world(built_world: World, db) -> World:  # type: ignore[no-untyped-def]
    """The world as built, for one test: ``db`` rolls back what the test writes."""
    return built_world


def _params(routes: list[Route], subjects: tuple[str, ...], deviations: dict[tuple[str, str], str]) -> list:
    """One case per route, for all of ``subjects``; a subject the code answers against the rule
    (see DEVIATIONS) is a case of its own, an expected failure until the fix lands."""
    cases = []
    for route in routes:
        odd = [s for s in subjects if (route.key, s) in deviations]
        cases.append(pytest.param(route, tuple(s for s in subjects if s not in odd), id=route.key))
        for subject in odd:
            reason = f"{route.key} as {subject}: {deviations[route.key, subject]}"
            mark = pytest.mark.xfail(strict=True, reason=reason)
            cases.append(pytest.param(route, (subject,), id=f"{route.key}-{subject}", marks=mark))
    return cases


def _body(response: HttpResponse) -> bytes:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content)  # type: ignore[attr-defined]
    return response.content


def _json(response: HttpResponse) -> Any:
    if response.get("Content-Type", "").startswith(("application/json", "application/fhir+json")):
        return json.loads(_body(response))
    return None


def _described(response: HttpResponse) -> str:
    text = str(response.status_code)
    if response.status_code == 302:
        text += " to " + response["Location"]
    code = _error_code(response)
    return f"{text} ({code})" if code else text


def _is_login(response: HttpResponse, page: str = "") -> bool:
    location = response.get("Location", "").split("?")[0] if response.status_code == 302 else ""
    return location == page if page else location in ("/login/", "/portal/login/")


def _error_code(response: HttpResponse) -> str | None:
    body = _json(response)
    return body["error"]["code"] if isinstance(body, dict) and "error" in body else None


def _fhir_total(response: HttpResponse) -> int | None:
    body = _json(response) if response.status_code == 200 else None
    return body.get("total") if isinstance(body, dict) and body.get("resourceType") == "Bundle" else None


def _answers(route: Route, expected: str, method: str, response: HttpResponse) -> bool:
    status = response.status_code
    code = _error_code(response)
    if route.name == "fhir:search" and expected in ("ok", "empty"):
        total = _fhir_total(response)
        return total is not None and (total > 0 if expected == "ok" else total == 0)
    if expected == "ok":
        allowed = {200} if method == "get" else OK_WRITE
        return status in allowed and not _is_login(response)
    if expected == "302":
        return status == 302 and not _is_login(response)
    if expected == "login":
        return _is_login(response, "/login/")
    if expected == "portal-login":
        return _is_login(response, "/portal/login/")
    if expected == "unauth":
        return status == 403 and (code == "not_authenticated" or route.is_fhir)
    if expected == "403" and code is not None:
        return status == 403 and code == "permission_denied"
    return status == int(expected)


def _fhir_problems(route: Route, expected: str, response: HttpResponse) -> list[str]:
    """FHIR answers in FHIR: its own content type, and a refusal is an OperationOutcome."""
    if not route.is_fhir:
        return []
    problems = []
    if not response.get("Content-Type", "").startswith("application/fhir+json"):
        problems.append(f"its content type is {response.get('Content-Type')}")
    kind = (_json(response) or {}).get("resourceType")
    if expected in REFUSED - {"empty"} and kind != "OperationOutcome":
        problems.append("its refusal is not an OperationOutcome")
    if route.name == "fhir:metadata" and kind != "CapabilityStatement":
        problems.append(f"the capability statement is a {kind}")
    return problems


def _send(client: Any, route: Route, method: str, url: str, data: dict | None = None) -> HttpResponse:
    if method == "get":
        return client.get(url)
    if route.is_api:
        return getattr(client, method)(url, data or {}, content_type="application/json")
    return getattr(client, method)(url, data or {})


def _names(child: Patient) -> tuple[bytes, ...]:
    return (child.given_name.encode(), child.family_name.encode(), child.hospital_number.encode())


def _events(world: World, subject: str, child: Patient) -> list[AccessEvent]:
    user = world.users.get(subject)
    return list(AccessEvent.objects.filter(user=user, patient=child).order_by("pk")) if user else []


def _audit_problems(route: Route, subject: str, response: HttpResponse, new: list[AccessEvent]) -> list[str]:
    if len(new) != 1:
        return [f"{len(new)} access events for one read of child A (expected 1)"]
    event = new[0]
    problems = []
    if event.request_id != response["X-Request-ID"]:
        problems.append("the access event does not carry the request id")
    if event.via_break_glass != (subject == "nurse_glass"):
        problems.append(f"the access event says via_break_glass={event.via_break_glass}")
    if event.basis != BASIS[subject]:
        problems.append(f"the access event's basis is {event.basis}, not {BASIS[subject]}")
    if event.channel != ("api" if route.is_api else "fhir" if route.is_fhir else "page"):
        problems.append(f"the access event's channel is {event.channel}")
    return problems


def _content_problems(world: World, route: Route, subject: str, expected: str, body: bytes) -> list[str]:
    problems = []
    if subject.startswith("family"):
        problems += [f"a family sees {marker!r}" for marker in STAFF_ONLY_MARKERS if marker in body]
    hides_a = subject not in SEES_CHILD_A and subject not in ROUTES[route.name].sees_child_a
    if hides_a or expected in REFUSED:
        problems += [f"the body names child A ({name!r})" for name in _names(world.child_a) if name in body]
    return problems


def _check(
    world: World, client: Any, route: Route, subject: str, method: str, url: str, expected: str
) -> list[str]:
    """Send one request and return what is wrong with the answer (nothing: an empty list)."""
    spec = ROUTES[route.name]
    reads_a = about_a_child(route) or spec.shows_child_a
    audited = expected == "ok" and method == "get" and reads_a and subject in SEES_CHILD_A
    # A reader who cannot see child A must leave no read of them (a refusal writes nothing at all).
    unseen = expected in ("ok", "302") and subject not in SEES_CHILD_A | spec.sees_child_a
    events_before = len(_events(world, subject, world.child_a)) if audited or unseen else 0
    with recording_writes() as written:
        response = _send(client, route, method, url, body_for(route, world.a))
    where = f"{method.upper()} {url} as {subject}: expected {expected}, got {_described(response)}"
    if not _answers(route, expected, method, response):
        return [where]
    body = _body(response)
    problems = _content_problems(world, route, subject, expected, body) + _fhir_problems(
        route, expected, response
    )
    new_events = _events(world, subject, world.child_a)[events_before:] if audited or unseen else []
    if expected in REFUSED:
        problems += [f"it wrote to {table}" for table in sorted(set(written))]
        if route.is_api and expected == "404" and _json(response) != NOT_FOUND:
            problems.append(f"its 404 differs from a missing record's: {body[:200]!r}")
    elif audited:
        problems += _audit_problems(route, subject, response, new_events)
    elif unseen and new_events:
        problems.append("it logged a read of child A, whom this reader cannot see")
    return [f"{where}; but {problem}" for problem in problems]


@pytest.mark.parametrize(("route", "subjects"), _params(DECLARED, SUBJECTS, DEVIATIONS))
def test_route_answers_each_role_as_declared(world: World, client, route: Route, subjects: tuple) -> None:  # type: ignore[no-untyped-def]
    url = url_of(route, world.a)
    problems = []
    for subject in subjects:
        with rolled_back():  # each role meets the world as built
            world.login(client, subject)
            for method in methods_of(route):
                problems += _check(
                    world, client, route, subject, method, url, outcome(route, subject, method)
                )
    assert not problems, "\n".join(problems)


CHILD_ROUTES = [route for route in DECLARED if about_a_child(route)]


def _readers(route: Route) -> tuple[str, ...]:
    """Who reads child A on this route's surface (the other surface refuses them anyway, as the
    matrix above shows): staff pages nurse_a, portal pages family_a, the API both."""
    if route.is_api:
        return ("nurse_a", "family_a")
    return ("family_a",) if route.pattern.startswith("portal/") else ("nurse_a",)


def _cross_child_params() -> list:
    return [
        case for route in CHILD_ROUTES for case in _params([route], _readers(route), CROSS_CHILD_DEVIATIONS)
    ]


@pytest.mark.parametrize(("route", "subjects"), _cross_child_params())
def test_another_childs_records_are_not_found(world: World, client, route: Route, subjects: tuple) -> None:  # type: ignore[no-untyped-def]
    """nurse_a and family_a see only child A: child B's records are 404 (a search finds none), asked
    for on their own or under child A's URL (child A's id first, child B's record after it)."""
    urls = [url_of(route, world.b)]
    if len(route.params) > 1:
        urls.append(url_of(route, world.a, rest=world.b))
    problems = []
    for subject, url, method in itertools.product(subjects, urls, methods_of(route)):
        with rolled_back():
            world.login(client, subject)
            with recording_writes() as written:
                response = _send(client, route, method, url, body_for(route, world.b))
        expected = "empty" if route.name == "fhir:search" else "404"  # a search finds nothing
        where = f"{method.upper()} {url} as {subject}: expected {expected}, got {_described(response)}"
        if not _answers(route, expected, method, response):
            problems.append(where)
            continue
        problems += [f"{where}; but it wrote to {table}" for table in sorted(set(written))]
        problems += [
            f"{where}; but the body names child B" for n in _names(world.child_b) if n in _body(response)
        ]
    assert not problems, "\n".join(problems)


THREAD_ROUTES = [route for route in DECLARED if {"thread", "message"} & set(route.objects)]
STAFF_ONLY = {"thread": "staff_thread", "attachment": "staff_attachment", "message": "staff_message"}


@pytest.mark.parametrize("route", THREAD_ROUTES, ids=[route.key for route in THREAD_ROUTES])
def test_a_staff_only_thread_is_not_found_for_the_family(world: World, client, route: Route) -> None:  # type: ignore[no-untyped-def]
    """...and is there for the staff who read the family's thread on the same route (FHIR's
    Communication too: the staff-only thread's message)."""
    url = url_of(route, world.a, swap=STAFF_ONLY)
    world.login(client, "family_a")
    for method in methods_of(route):
        with recording_writes() as written:
            response = _send(client, route, method, url)
        assert response.status_code == 404, f"{method.upper()} {url}: {_described(response)}"
        assert not written, url
        assert not any(marker in _body(response) for marker in STAFF_ONLY_MARKERS), url
    for nurse in ("nurse_a", "nurse_glass"):
        if "get" in methods_of(route) and outcome(route, nurse, "get") == "ok":
            world.login(client, nurse)
            assert client.get(url).status_code == 200, f"{url} as {nurse}"


HTML_ROUTES = [route for route in DECLARED if not route.is_api]


@pytest.mark.parametrize("route", HTML_ROUTES, ids=[route.key for route in HTML_ROUTES])
def test_a_page_refuses_the_methods_it_does_not_declare(world: World, client, route: Route) -> None:  # type: ignore[no-untyped-def]
    declared = set(methods_of(route))
    allowed = (s for s in SUBJECTS if {"ok", "302"} & {outcome(route, s, m) for m in declared})
    if route.key == "fhir:search[ServiceRequest]":
        # POST is inbound referrals, for integration clients only: every session role (staff and
        # family) gets a 403 OperationOutcome, tested in tests/fhir/test_inbound_referrals.py.
        declared.add("post")
    subject = next(allowed, "nurse_a")  # a secret link's page allows no one with a wrong token
    world.login(client, subject)
    url = url_of(route, world.a)
    for method in {"get", "post"} - declared:
        response = _send(client, route, method, url)
        assert response.status_code == 405, f"{method.upper()} {url} as {subject}: {_described(response)}"


# --- the allowed writes really write -------------------------------------------------------

WRITE_CASES = [
    pytest.param(route, subject, id=f"{route.key}-{subject}")
    for route in DECLARED
    if route.key in WRITES
    for subject in SUBJECTS
    if outcome(route, subject, next(m for m in methods_of(route) if m != "get")) == "ok"
]


@pytest.mark.parametrize(("route", "subject"), WRITE_CASES)
def test_an_allowed_write_changes_the_record(world: World, client, route: Route, subject: str) -> None:  # type: ignore[no-untyped-def]
    body, probe = WRITES[route.key]
    method = next(m for m in methods_of(route) if m != "get")
    world.login(client, subject)
    before = probe(world)
    with recording_writes() as written:
        data = body() if callable(body) else body
        response = _send(client, route, method, url_of(route, world.a), data)
    assert response.status_code in ((200, 201) if route.is_api else (302,)), _described(response)
    assert probe(world) != before
    assert written, "the write recorder saw nothing: the matrix's 'wrote nothing' checks would be blind"


# --- every route is declared, and the API is the one the schema documents -------------------


def test_every_route_has_a_declared_expectation() -> None:
    names = {route.name for route in FOUND}
    undeclared = sorted(names - set(ROUTES) - set(EXEMPT))
    assert not undeclared, f"routes with no expectation (declare them in ROUTES or EXEMPT): {undeclared}"
    stale = sorted((set(ROUTES) | set(EXEMPT)) - names)
    assert not stale, f"expectations for routes that no longer exist: {stale}"
    assert not set(ROUTES) & set(EXEMPT)
    assert admin_route_count() > 0, ADMIN_EXEMPT_REASON


def test_every_expectation_is_well_formed() -> None:
    keys = {route.key for route in FOUND}
    for group in GROUPS.values():
        assert set(group) == set(SUBJECTS) and all(set(v.split("/")) <= OUTCOMES for v in group.values())
    for route in DECLARED:
        spec = ROUTES[route.name]
        assert bool(spec.methods) != bool(route.methods), f"{route.key}: methods belong to plain views only"
        for overrides in [spec.roles, *spec.actions.values()]:
            assert set(overrides) <= set(SUBJECTS), f"{route.key}: no such role in {sorted(overrides)}"
            assert all(set(v.split("/")) <= OUTCOMES for v in overrides.values()), f"{route.key}: {overrides}"
        assert set(spec.methods.split()) <= {"GET", "POST"}, f"{route.key}: {spec.methods}"
        assert spec.sees_child_a <= set(SUBJECTS) - SEES_CHILD_A, f"{route.key}: {spec.sees_child_a}"
        actions = {value for r in FOUND if r.name == route.name for value in dict(r.fixed).values()}
        assert set(spec.actions) <= actions, f"{route.name}: overrides for actions it does not have"
    for key, subject in [*DEVIATIONS, *CROSS_CHILD_DEVIATIONS]:
        assert key in keys and subject in SUBJECTS, (key, subject)
    assert set(WRITES) <= keys, set(WRITES) - keys


def _schema_path(route: Route) -> str:
    return route.pattern.replace("<pk>", "<id>")


def test_api_routes_are_the_ones_the_openapi_schema_documents() -> None:
    """The REST API, as served, is what drf-spectacular documents, and the reverse (FHIR documents
    itself at /fhir/metadata and stays out of the schema)."""
    served = {(_schema_path(r), m) for r in DECLARED if r.is_api for m in methods_of(r)}
    documented = {(path, m) for path, methods in openapi_operations().items() for m in methods}
    assert served - documented == set(), "served but not in the schema"
    assert documented - served == set(), "in the schema but not served (or not found by the matrix)"


# --- lists and the things a single request cannot show -------------------------------------


@pytest.mark.parametrize("subject", [s for s in SUBJECTS if s != "anon"])
def test_patient_list_shows_only_visible_children(world: World, client, subject: str) -> None:  # type: ignore[no-untyped-def]
    world.login(client, subject)
    response = client.get("/api/v1/patients/")
    assert response.status_code == 200
    ids = {row["id"] for row in response.json()["results"]}
    a, b = world.child_a.pk, world.child_b.pk
    expected = {
        "nurse_a": {a},
        "nurse_glass": {a},
        "family_a": {a},
        "family_b": {b},
        "nurse_other": set(),
        "consultant_other": {b},
        "admin": set(),
    }[subject]
    assert ids == expected
    listed = AccessEvent.objects.filter(user=world.users[subject], what="patient list")
    assert listed.count() == len(expected)


def test_missing_and_forbidden_look_the_same(world: World, client) -> None:  # type: ignore[no-untyped-def]
    world.login(client, "family_b")
    forbidden = client.get(f"/api/v1/patients/{world.child_a.pk}/")
    missing = client.get("/api/v1/patients/999999/")
    assert forbidden.status_code == missing.status_code == 404
    assert forbidden.json() == missing.json() == NOT_FOUND


def test_lists_never_show_another_teams_or_childs_rows(world: World, client) -> None:  # type: ignore[no-untyped-def]
    world.login(client, "nurse_other")
    assert b"Please assess" not in client.get("/referrals/").content
    assert b"Call the family" not in client.get("/tasks/").content
    assert world.child_a.family_name.upper().encode() not in client.get("/caseload/").content
