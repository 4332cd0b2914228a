from django.urls import path

from jiuzhu.stats import views

app_name = "stats"

urlpatterns = [
    path("monthly/", views.monthly, name="monthly"),
    path("monthly/export/", views.monthly_export, name="monthly_export"),
    path("monthly/drill/", views.drill, name="drill"),
    path("snapshot/", views.snapshot_take_view, name="snapshot_take"),
    path("kpis/", views.kpis, name="kpis"),
    path("kpis/ratings/", views.ratings, name="ratings"),
    path("supervision/", views.supervision, name="supervision"),
    path("spotchecks/new/", views.spot_plan_new, name="spot_plan_new"),
    path("spotchecks/<int:plan_id>/", views.spot_plan, name="spot_plan"),
    path("spotchecks/sample/<int:sample_id>/", views.spot_result, name="spot_result"),
    path("quality/", views.quality, name="quality"),
    path("street-maps/", views.street_maps, name="street_maps"),
]
