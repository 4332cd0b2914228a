from django.urls import path

from jiuzhu.support import views

app_name = "support"
urlpatterns = [
    path("plans/", views.plans, name="plans"),
    path("plans/new/", views.plan_new, name="plan_new"),
    path("plans/<int:pk>/", views.plan, name="plan"),
    path("orders/", views.orders, name="orders"),
    path("orders/<int:pk>/", views.order, name="order"),
    path("orders/<int:pk>/act/<str:action>/", views.order_act, name="order_act"),
    path("orders/<int:pk>/serve/", views.order_serve, name="order_serve"),
    path("orders/<int:pk>/signature/", views.order_signature, name="order_signature"),
    path("centre/", views.centre, name="centre"),
    path("prices/", views.prices, name="prices"),
    path("providers/", views.providers, name="providers"),
    path("providers/<int:pk>/", views.provider, name="provider"),
    path("hall/", views.hall, name="hall"),
    path("mine/", views.my_orders, name="my_orders"),
    path("settlement/", views.settlement, name="settlement"),
    path("stats/", views.stats, name="stats"),
]
