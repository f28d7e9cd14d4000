"""FHIR content types: we answer application/fhir+json; ``_format`` and Accept may ask only for JSON."""

from collections.abc import Iterable
from typing import Any

from rest_framework.exceptions import NotAcceptable
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.request import Request

FHIR_JSON = "application/fhir+json"
JSON_FORMATS = {"json", "application/json", FHIR_JSON}
# Accept values a client may send that JSON satisfies.
JSON_ACCEPTS = {"*/*", "application/*", "application/json", FHIR_JSON}


class FhirJsonRenderer(JSONRenderer):
    media_type = FHIR_JSON
    format = "json"


def _media_types(accept: str) -> set[str]:
    return {part.split(";")[0].strip().lower() for part in accept.split(",") if part.strip()}


class FhirNegotiation(BaseContentNegotiation):
    def select_parser(self, request: Request, parsers: Any) -> Any:
        return parsers[0] if parsers else None

    def select_renderer(
        self, request: Request, renderers: Iterable[BaseRenderer], format_suffix: str | None = None
    ) -> tuple[BaseRenderer, str]:
        renderer = next(iter(renderers))
        wanted = request.query_params.get("_format")
        # An unencoded "+" in application/fhir+json arrives as a space.
        if wanted is not None and wanted.split(";")[0].strip().lower().replace(" ", "+") not in JSON_FORMATS:
            raise NotAcceptable(f"_format={wanted} is not supported: this server speaks JSON only.")
        accept = _media_types(request.headers.get("Accept", ""))
        if wanted is None and accept and not accept & JSON_ACCEPTS:
            raise NotAcceptable("This server answers application/fhir+json only.")
        return renderer, FHIR_JSON
