from django.urls import path

from jiuzhu.policy import views

app_name = "policy"

urlpatterns = [
    path("calculator/", views.calculator, name="calculator"),
    path("runs/", views.run_list, name="runs"),
    path("runs/start/", views.run_start, name="run_start"),
    path("runs/<int:pk>/", views.run_detail, name="run_detail"),
    path("simulation/", views.simulation, name="simulation"),
    path("parameters/", views.parameters, name="parameters"),
    path("parameters/<int:pk>/decide/", views.parameter_decide, name="parameter_decide"),
    path("programmes/", views.programmes, name="programmes"),
    path("programmes/<int:pk>/decide/", views.programme_decide, name="programme_decide"),
]
