from django.urls import path

from jiuzhu.registry import views

app_name = "registry"
urlpatterns = [
    path("households/", views.household_list, name="household_list"),
    path("persons/", views.person_list, name="person_list"),
    path("households/new/", views.household_create, name="household_create"),
    path("households/<int:pk>/", views.household_detail, name="household_detail"),
    path("households/<int:pk>/edit/", views.household_edit, name="household_edit"),
    path("households/<int:pk>/members/new/", views.person_add, name="person_add"),
    path("households/<int:pk>/<str:kind>/new/", views.fact_add, name="fact_add"),
    path("persons/<int:pk>/edit/", views.person_edit, name="person_edit"),
    path("persons/<int:pk>/remove/", views.person_remove, name="person_remove"),
    path("persons/<int:pk>/reveal/<str:field>/", views.person_reveal_view, name="person_reveal"),
    path("facts/<str:kind>/<int:pk>/delete/", views.fact_delete, name="fact_delete"),
]
