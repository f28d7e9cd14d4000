from django.urls import path

from . import views

app_name = "watch"

urlpatterns = [
    path("patients/<int:pk>/watch/", views.staff_watch, name="staff"),
    path("patients/<int:pk>/watch/open/", views.watch_open, name="open"),
    path("patients/<int:pk>/watch/extend/", views.watch_extend, name="extend"),
    path("patients/<int:pk>/watch/end/", views.watch_end, name="end"),
]
