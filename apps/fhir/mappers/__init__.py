"""Pure functions from our rows (with their joins already loaded) to FHIR R4 JSON dicts."""
