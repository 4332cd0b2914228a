from django.urls import path

from jiuzhu.verify import views

app_name = "verify"
urlpatterns = [
    path("", views.home, name="home"),
    path("feeds/upload/", views.feed_upload, name="feed_upload"),
    path("feeds/", views.feed_list, name="feeds"),
    path("findings/", views.finding_list, name="findings"),
    path("feeds/<int:pk>/", views.feed_import_detail, name="feed_import"),
    path(
        "feeds/template/<str:department>.<str:fmt>",
        views.feed_template,
        name="feed_template",
    ),
    path("households/<int:pk>/report/", views.check_report, name="report"),
    path("households/<int:pk>/report.pdf", views.check_report_pdf, name="report_pdf"),
    path("households/<int:pk>/check/", views.check_request, name="check"),
    path("batch/", views.batch_start, name="batch"),
    path("review/", views.review_list, name="review"),
    path("review/<int:pk>/", views.review_decide, name="review_decide"),
    path("duplicates/", views.duplicate_list, name="duplicates"),
    path("duplicates/run/", views.duplicates_start, name="duplicates_start"),
    path("quality/", views.quality, name="quality"),
    path("links/<int:pk>/", views.link_detail, name="link"),
    path("duplicates/<int:pk>/", views.duplicate_resolve, name="duplicate_resolve"),
]
