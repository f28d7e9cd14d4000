from django.urls import path

from . import views

app_name = "audit"

urlpatterns = [
    path("patients/<int:pk>/access-log/", views.access_log, name="access_log"),
    path("break-glass/", views.break_glass, name="break_glass"),
    path("break-glass/review/", views.break_glass_review_list, name="break_glass_review_list"),
    path("break-glass/review/<int:grant_pk>/", views.break_glass_review, name="break_glass_review"),
]
