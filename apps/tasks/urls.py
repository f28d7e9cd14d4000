from django.urls import path

from . import views

app_name = "tasks"

urlpatterns = [
    path("tasks/", views.worklist, name="worklist"),
    path("tasks/new/", views.create, name="create"),
    path("tasks/bulk/", views.bulk, name="bulk"),
    path("tasks/<int:pk>/", views.detail, name="detail"),
    path("tasks/<int:pk>/<slug:action>/", views.act, name="act"),
]
