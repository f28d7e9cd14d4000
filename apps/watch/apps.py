from django.apps import AppConfig


class WatchConfig(AppConfig):
    name = "apps.watch"
    label = "watch"
    verbose_name = "Watch periods"

    def ready(self) -> None:
        from apps.diary.signals import diary_entry_saved
        from apps.pathways.signals import course_changed
        from carecoord import watch

        from . import receivers, selectors, timeline  # noqa: F401  (timeline: registers its source)

        course_changed.connect(receivers.on_course_changed, dispatch_uid="watch-course-changed")
        diary_entry_saved.connect(receivers.on_diary_saved, dispatch_uid="watch-diary-saved")
        watch.register(active=selectors.watches_active, in_watch=selectors.patients_in_watch)
