from django.urls import path

from .views import family, staff

app_name = "messaging"

urlpatterns = [
    path("messages/", staff.inbox, name="inbox"),
    path("messages/<int:pk>/", staff.thread, name="thread"),
    path("messages/<int:pk>/mark/", staff.thread_mark, name="mark"),
    path("messages/<int:pk>/files/<int:attachment_pk>/", staff.attachment, name="attachment"),
    path("patients/<int:pk>/messages/", staff.patient_threads, name="patient_threads"),
    path("patients/<int:pk>/messages/new/", staff.thread_new, name="thread_new"),
    path("portal/messages/", family.home, name="family_home"),
    path("portal/children/<int:pk>/messages/", family.child_threads, name="family_threads"),
    path("portal/children/<int:pk>/messages/new/", family.thread_new, name="family_new"),
    path("portal/children/<int:pk>/messages/<int:thread_pk>/", family.thread, name="family_thread"),
    path(
        "portal/children/<int:pk>/messages/<int:thread_pk>/files/<int:attachment_pk>/",
        family.attachment,
        name="family_attachment",
    ),
]
