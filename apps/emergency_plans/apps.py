from django.apps import AppConfig


class EmergencyPlansConfig(AppConfig):
    name = "apps.emergency_plans"
    label = "emergency_plans"
    verbose_name = "Emergency plans"

    def ready(self) -> None:
        # A course change (sent inside the course's transaction) marks the child's plan for review.
        from apps.pathways.signals import course_changed

        from .services import course_changed_mark_for_review

        course_changed.connect(
            course_changed_mark_for_review, weak=False, dispatch_uid="emergency_plans.course_changed"
        )
