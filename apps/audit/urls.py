from django.urls import path

from . import views

app_name = "audit"

urlpatterns = [
    path("break-glass/review/", views.break_glass_review_list, name="break_glass_review_list"),
    path("break-glass/review/<int:grant_pk>/", views.break_glass_review, name="break_glass_review"),
]
