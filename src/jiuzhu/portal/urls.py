"""The citizen side, mounted at /m/ (掌上办)."""

from django.urls import path

from jiuzhu.portal import views

app_name = "portal"
urlpatterns = [
    path("", views.home, name="home"),
    path("login/", views.login, name="login"),
    path("logout/", views.logout, name="logout"),
    path("bind/", views.bind, name="bind"),
    path("bind/scan/", views.paper_scan, name="paper_scan"),
    path("bind/scan/<int:reading_id>/", views.paper_reading, name="paper_reading"),
    path("apply/", views.apply, name="apply"),
    path("case/<int:application_id>/", views.case, name="case"),
    path("case/<int:application_id>/upload/", views.upload, name="upload"),
    path("case/<int:application_id>/rate/", views.rate, name="rate"),
    path("letter/<int:letter_id>/", views.letter, name="letter"),
    path("assistance/", views.assistance, name="assistance"),
    path("change/", views.change, name="change"),
    path("proxy/", views.proxy, name="proxy"),
    path("proxy/act/<int:grant_id>/", views.proxy_act, name="proxy_act"),
    path("proxy/stop/", views.proxy_stop, name="proxy_stop"),
    path("staff/proxy/", views.staff_proxy, name="staff_proxy"),
    path("v/<str:village_code>/", views.village, name="village"),
    path("v/<str:village_code>/qr.png", views.village_qr_png, name="village_qr"),
    path("v/<str:village_code>/notices/", views.village_notices, name="village_notices"),
    path(
        "v/<str:village_code>/notices/<int:notice_id>/objection/",
        views.village_objection,
        name="village_objection",
    ),
    path("objection/query/", views.objection_query, name="objection_query"),
    path("staff/posters/", views.staff_posters, name="staff_posters"),
    path("staff/posters/<str:village_code>.pdf", views.staff_poster, name="staff_poster"),
    path("report/", views.report, name="report"),
    path("report/query/", views.report_query, name="report_query"),
    path("standards/", views.standards, name="standards"),
    path("self-check/", views.self_check, name="self_check"),
    path("roll/<str:village_code>/", views.public_roll, name="public_roll"),
    path("staff/reports/", views.staff_reports, name="staff_reports"),
    path("staff/reports/<int:report_id>/", views.staff_report, name="staff_report"),
    path(
        "staff/reports/<int:report_id>/photo/<int:photo_id>/",
        views.staff_report_photo,
        name="staff_report_photo",
    ),
]
