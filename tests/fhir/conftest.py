"""FHIR test helpers: every resource a test sees is validated against the R4B models of fhir.resources.

(fhir.resources 8 defaults to R5; its R4B package is the R4-line model set, and for the resources we
serve R4B does not differ from R4.)
"""

from typing import Any

import pytest
from fhir.resources.R4B import get_fhir_model_class

FHIR_JSON = "application/fhir+json"


def validate(resource: dict[str, Any]) -> Any:
    """Parse with the R4B model of the resource's type (raises on any invalid element)."""
    model = get_fhir_model_class(resource["resourceType"])
    parsed = model.model_validate(resource)
    if resource["resourceType"] == "Bundle":
        for entry in resource.get("entry", []):
            validate(entry["resource"])
    return parsed


@pytest.fixture
def fhir_get(client):  # type: ignore[no-untyped-def]
    """GET a FHIR path as ``user``; check the content type and validate the body (resource or outcome)."""

    def get(user, path: str, **headers: str):  # type: ignore[no-untyped-def]
        client.force_login(user)
        response = client.get(path, **headers)
        assert response["Content-Type"].startswith(FHIR_JSON), (path, response["Content-Type"])
        body = response.json()
        validate(body)
        return response, body

    return get
