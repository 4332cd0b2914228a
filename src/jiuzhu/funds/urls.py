from django.urls import path

from jiuzhu.funds import views

app_name = "funds"
urlpatterns = [
    path("", views.payroll_list, name="payroll_list"),
    path("generate/", views.payroll_generate_start, name="generate"),
    path("payrolls/<int:pk>/", views.payroll_detail, name="payroll_detail"),
    path("lines/", views.line_list, name="lines"),
    path("payrolls/<int:pk>/act/<str:action>/", views.payroll_act, name="payroll_act"),
    path("payrolls/<int:pk>/bank-file/", views.bank_file_download, name="bank_file"),
    path("payrolls/<int:pk>/return/", views.return_upload, name="return_upload"),
    path("reissue/", views.reissue_queue, name="reissue"),
    path("recoveries/", views.recovery_list, name="recoveries"),
    path("recoveries/<int:pk>/", views.recovery_collect, name="recovery_collect"),
    path("holds/", views.hold_list, name="holds"),
    path("holds/<int:pk>/release/", views.hold_release, name="hold_release"),
    path("budget/", views.budget, name="budget"),
    path("budget/export.csv", views.budget_export, name="budget_export"),
    path("households/<int:pk>/account/", views.account_edit, name="account_edit"),
    path("accounts/<int:pk>/reveal/", views.account_reveal, name="account_reveal"),
    path("accounts/changes/", views.account_changes, name="account_changes"),
    path("accounts/<int:pk>/decide/", views.account_change_decide, name="account_change_decide"),
    path("accounts/notices/<int:pk>/", views.account_notice, name="account_notice"),
]
