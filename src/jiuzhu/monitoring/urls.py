from django.urls import path

from jiuzhu.monitoring import views

app_name = "monitoring"
urlpatterns = [
    path("", views.overview, name="overview"),
    path("alerts/", views.alert_list, name="alerts"),
    path("alerts/assign/", views.alerts_assign, name="alerts_assign"),
    path("alerts/<int:pk>/", views.alert_detail, name="alert"),
    path("alerts/<int:pk>/close/", views.alert_close, name="alert_close"),
    path("rules/", views.rules, name="rules"),
    path("rules/new/", views.rule_edit, name="rule_new"),
    path("rules/<int:pk>/", views.rule_edit, name="rule_edit"),
    path("routes/new/", views.route_edit, name="route_new"),
    path("routes/<int:pk>/", views.route_edit, name="route_edit"),
    path("routes/<int:pk>/delete/", views.route_delete, name="route_delete"),
    path("risk-classes/", views.risk_classes, name="risk_classes"),
    path("risk-classes/new/", views.risk_class_edit, name="risk_class_new"),
    path("risk-classes/<int:pk>/", views.risk_class_edit, name="risk_class_edit"),
    path("risk-classes/<int:pk>/delete/", views.risk_class_delete, name="risk_class_delete"),
    path("run/", views.run_now, name="run"),
    path("reviews/", views.review_schedule, name="reviews"),
    path("reviews/generate/", views.review_generate, name="review_generate"),
    path("reviews/<int:pk>/", views.review_detail, name="review"),
]
