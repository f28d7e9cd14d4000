from django.db.models import QuerySet

from .models import User


def staff_members() -> QuerySet[User]:
    """Active staff with a role: who a task or a care-team place can be given to."""
    return User.objects.filter(
        is_active=True, kind=User.Kind.STAFF, staff_profile__isnull=False
    ).select_related("staff_profile")
