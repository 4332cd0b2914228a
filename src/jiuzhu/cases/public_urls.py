"""公示 pages: public, no login (masked data only)."""

from django.urls import path

from jiuzhu.cases import views

app_name = "public"
urlpatterns = [
    path("<str:area_code>/", views.public_notice, name="notice"),
    path("<str:area_code>/objection/<int:notice_id>/", views.public_objection, name="objection"),
]
