from django.http import HttpRequest

from apps.accounts import roles

_IMPORT_ROLES = {roles.Role.CLINIC_ADMIN, roles.Role.NURSE_SPECIALIST}


def can_import_caseload(request: HttpRequest) -> dict[str, bool]:
    """Whether the staff navigation shows Import: by role alone, so no page pays a query for it (the
    pages themselves check the nurse's teams)."""
    user = getattr(request, "user", None)
    return {"can_import_caseload": user is not None and roles.staff_role(user) in _IMPORT_ROLES}
