from django.apps import AppConfig


class PatientsConfig(AppConfig):
    name = "apps.patients"
    label = "patients"

    def ready(self) -> None:
        # tasks, notifications and audit scope their rows by child without importing patients.
        from apps.notifications.links import register_link_maker
        from carecoord import patient_scope

        from . import access
        from .services.invitations import INVITATION_LINK, invitation_link_for_sending

        patient_scope.register(
            visible=access.visible_patients,
            visible_ids=access.visible_patient_ids,
            routine=access.routinely_visible_patients,
            bases=access.access_bases,
            get=access.visible_patient_get,
            can_see=access.can_see,
        )
        # The invitation's token is made when its email is sent (never stored in clear).
        register_link_maker(INVITATION_LINK, invitation_link_for_sending)
