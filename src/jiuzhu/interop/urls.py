from django.urls import path

from jiuzhu.interop import views

app_name = "dci"

urlpatterns = [
    path("registry/search", views.search, name="search"),
    path("registry/subscribe", views.subscribe, name="subscribe"),
    path("registry/unsubscribe", views.unsubscribe, name="unsubscribe"),
    path("registry/txn/status", views.txn_status, name="txn_status"),
    path("registry/sync/search", views.sync_search, name="sync_search"),
    path("registry/sync/txn/status", views.sync_txn_status, name="sync_txn_status"),
    path("crvs/notify", views.crvs_notify, name="crvs_notify"),
    path(".well-known/jwks.json", views.jwks, name="jwks"),
]
