from django.urls import path

from jiuzhu.cases import config_views, views

app_name = "cases"
urlpatterns = [
    path("", views.todo, name="todo"),
    path("new/", views.intake, name="intake"),
    path("applications/", views.applications, name="applications"),
    path("new/<int:household_id>/", views.apply, name="apply"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/move/<str:name>/", views.move, name="move"),
    path("<int:pk>/programme/", views.set_programme, name="set_programme"),
    path("<int:pk>/upload/", views.upload, name="upload"),
    path("<int:pk>/sign/", views.sign, name="sign"),
    path(
        "<int:pk>/declarations/<int:declaration_id>/",
        views.declaration_reconcile,
        name="declaration_reconcile",
    ),
    path("<int:pk>/visit/", views.visit, name="visit"),
    path("letters/<int:pk>/", views.letter, name="letter"),
    path("materials/<int:pk>/", views.material_file, name="material"),
    path("roll/", views.roll, name="roll"),
    path("tracks/", views.tracks, name="tracks"),
    path("tracks/<int:pk>/", views.track, name="track"),
    path("<int:pk>/tracks/<int:track_id>/decide/", views.track_decide, name="track_decide"),
    path("config/", config_views.config_page, name="config"),
    path("config/chains/", config_views.config_chain_propose, name="config_chain"),
    path("config/workdays/", config_views.config_workday_propose, name="config_workday"),
    path("config/changes/<int:pk>/", config_views.config_decide, name="config_decide"),
]
