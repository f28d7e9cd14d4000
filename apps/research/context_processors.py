from django.http import HttpRequest

from apps.accounts import roles


def can_run_research_export(request: HttpRequest) -> dict[str, bool]:
    """Whether the staff navigation shows Research: by role alone (no query); the page checks the
    research lead permission itself."""
    user = getattr(request, "user", None)
    return {"can_run_research_export": user is not None and roles.staff_role(user) == roles.Role.CLINIC_ADMIN}
