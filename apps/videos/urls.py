from django.urls import path

from . import views

app_name = "videos"

urlpatterns = [
    # Families (the portal).
    path("portal/children/<int:pk>/videos/", views.family_list, name="family_list"),
    path("portal/children/<int:pk>/videos/new/", views.family_new, name="family_new"),
    path("portal/children/<int:pk>/videos/uploads/", views.upload_start, name="upload_start"),
    path("portal/video-uploads/<uuid:upload>/", views.upload, name="upload"),
    path("portal/video-uploads/<uuid:upload>/finish/", views.upload_finish, name="upload_finish"),
    path("portal/videos/<int:pk>/", views.family_video, name="family_video"),
    path("portal/videos/<int:pk>/stream/", views.family_stream, name="family_stream"),
    path("portal/videos/<int:pk>/thumbnail/", views.family_thumbnail, name="family_thumbnail"),
    # Staff.
    path("patients/<int:pk>/videos/", views.staff_list, name="staff_list"),
    path("videos/<int:pk>/stream/", views.staff_stream, name="staff_stream"),
    path("videos/<int:pk>/thumbnail/", views.staff_thumbnail, name="staff_thumbnail"),
    path("videos/<int:pk>/review/", views.staff_review, name="staff_review"),
    path("videos/<int:pk>/add-to-record/", views.staff_add_to_record, name="staff_add_to_record"),
]
