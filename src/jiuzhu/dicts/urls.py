from django.urls import path

from jiuzhu.dicts import views

app_name = "dicts"
urlpatterns = [
    path("", views.dict_list, name="list"),
    path("<str:kind>/", views.dict_kind, name="kind"),
    path("<str:kind>/propose/", views.dict_propose, name="propose"),
    path("changes/<int:pk>/decide/", views.dict_decide, name="decide"),
]
