from django.urls import path

from jiuzhu.interop import staff_views as views

app_name = "interop"

urlpatterns = [
    path("accounts/", views.account_list, name="accounts"),
    path("accounts/new/", views.account_create, name="account_create"),
    path("accounts/<int:pk>/", views.account_detail, name="account_detail"),
    path("accounts/<int:pk>/approve/", views.account_approve, name="account_approve"),
    path("accounts/<int:pk>/disable/", views.account_disable, name="account_disable"),
    path("accounts/<int:pk>/tokens/", views.token_issue, name="token_issue"),
    path(
        "accounts/<int:pk>/tokens/<int:token_id>/revoke/",
        views.token_revoke,
        name="token_revoke",
    ),
]
