from django.urls import path

from jiuzhu.papers import views

app_name = "papers"

urlpatterns = [
    path("check/", views.check, name="check"),
    path("scan/", views.scan, name="scan"),
    path("readings/<int:pk>/", views.reading, name="reading"),
    path("readings/<int:pk>/image/", views.image, name="image"),
    path("findings/<int:pk>/accept/", views.accept, name="accept"),
    path("findings/<int:pk>/keep/", views.keep, name="keep"),
    path("duplicates/", views.duplicates, name="duplicates"),
    path("duplicates/<int:pk>/decide/", views.duplicate_decide, name="duplicate_decide"),
]
