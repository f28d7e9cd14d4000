"""What every scheduling endpoint shares.

Refusals go through the one handler in carecoord/errors.py: a double booking is a 400 with code
``clash`` whose field error names the appointment it clashes with. Staff-only endpoints refuse a family
with a 403 before anything is read.
"""

from rest_framework.request import Request

from apps.accounts import roles
from apps.accounts.models import User
from apps.accounts.types import request_user
from carecoord.errors import refuse_unless
from carecoord.filters import ListFilteredViewSet


class SchedulingViewSet(ListFilteredViewSet):
    def staff(self, request: Request, message: str) -> User:
        """The caller, who must be staff (a family or a role-less account gets a 403)."""
        user = request_user(request)
        refuse_unless(roles.staff_role(user) is not None, message)
        return user
