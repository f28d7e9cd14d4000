from django.urls import path

from . import views

app_name = "referrals"

urlpatterns = [
    path("referrals/", views.inbox, name="inbox"),
    path("referrals/sent/", views.sent, name="sent"),
    path("referrals/external/", views.external, name="external"),
    path("referrals/identity/", views.identity_queue, name="identity_queue"),
    path("referrals/identity/<int:pk>/<slug:decision>/", views.identity_decide, name="identity_decide"),
    path("referrals/<int:pk>/", views.detail, name="detail"),
    path("referrals/<int:pk>/<slug:action>/", views.act, name="act"),
    path("referrals/<int:pk>/letters/<int:attachment_pk>/", views.attachment, name="attachment"),
    path("patients/<int:patient_pk>/refer/", views.create, name="create"),
]
