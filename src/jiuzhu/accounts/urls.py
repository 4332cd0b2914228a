from django.urls import path

from jiuzhu.accounts import area_views, auth_views, views

app_name = "accounts"
urlpatterns = [
    path("users/", views.user_list, name="user_list"),
    path("roles/", views.roles, name="roles"),
    path("users/new/", views.user_create, name="user_create"),
    path("users/<int:pk>/", views.user_detail, name="user_detail"),
    path("roles/<int:pk>/revoke/", views.role_revoke, name="role_revoke"),
    path("roles/<int:pk>/approve/", views.role_approve, name="role_approve"),
    path("users/<int:pk>/password-reset/", views.password_reset, name="password_reset"),
    path(
        "users/<int:pk>/<str:action>/",
        views.user_action,
        name="user_action",
    ),
    path("password/", auth_views.password_change, name="password_change"),
    path("areas/pick/", area_views.area_pick, name="area_pick"),
    path("logins/", auth_views.login_log, name="login_log"),
]
