from django.urls import path

from jiuzhu.audit import views

app_name = "audit"
urlpatterns = [
    path("", views.event_list, name="event_list"),
    path("verify/", views.verify, name="verify"),
    path("events/<int:seq>/reveal/<str:path>/", views.event_reveal, name="event_reveal"),
]
