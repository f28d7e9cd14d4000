from django.urls import path

from . import views

app_name = "mdt"

urlpatterns = [
    path("mdt/", views.meeting_list, name="meetings"),
    path("mdt/<int:pk>/", views.meeting_detail, name="meeting"),
    path("mdt/<int:pk>/screen/", views.shared_screen, name="screen"),
    path("mdt/<int:pk>/attendance/", views.meeting_attendance, name="attendance"),
    path("mdt/<int:pk>/add/", views.item_add, name="item_add"),
    path("mdt/items/<int:pk>/", views.item_detail, name="item"),
    path("mdt/items/<int:pk>/move/", views.item_move, name="item_move"),
    path("mdt/items/<int:pk>/letter/", views.item_letter, name="item_letter"),
    path("mdt/items/<int:pk>/release/", views.item_release, name="item_release"),
    path("mdt/items/<int:pk>/carry-over/", views.item_carry_over, name="item_carry_over"),
]
