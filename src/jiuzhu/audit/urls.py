from django.urls import path

from jiuzhu.audit import export_views, views

app_name = "audit"
urlpatterns = [
    path("", views.event_list, name="event_list"),
    path("verify/", views.verify, name="verify"),
    path("events/<int:seq>/reveal/<str:path>/", views.event_reveal, name="event_reveal"),
    path("exports/", export_views.export_list, name="export_list"),
    path("exports/new/<str:name>/", export_views.export_start, name="export_start"),
    path("exports/<int:pk>/", export_views.export_job, name="export_job"),
    path("exports/<int:pk>/download/", export_views.export_download, name="export_download"),
]
