from django.contrib import admin
from django.urls import include, path

from jiuzhu.accounts import auth_views
from jiuzhu.api import api
from jiuzhu.core.home import home

urlpatterns = [
    path("", home, name="home"),
    path("login/", auth_views.login_view, name="login"),
    path("login/totp/", auth_views.totp_verify, name="totp_verify"),
    path("login/totp/enrol/", auth_views.totp_enrol, name="totp_enrol"),
    path("logout/", auth_views.logout_view, name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("registry/", include("jiuzhu.registry.urls")),
    path("audit/", include("jiuzhu.audit.urls")),
    path("verify/", include("jiuzhu.verify.urls")),
    path("cases/", include("jiuzhu.cases.urls")),
    path("papers/", include("jiuzhu.papers.urls")),
    path("gongshi/", include("jiuzhu.cases.public_urls")),
    path("accounts/", include("jiuzhu.accounts.urls")),
    path("system/dicts/", include("jiuzhu.dicts.urls")),
    path("policy/", include("jiuzhu.policy.urls")),
    path("monitoring/", include("jiuzhu.monitoring.urls")),
    path("funds/", include("jiuzhu.funds.urls")),
    path("support/", include("jiuzhu.support.urls")),
    path("stats/", include("jiuzhu.stats.urls")),
    path("m/", include("jiuzhu.portal.urls")),
    path("api/v1/", api.urls),
    path("dci/", include("jiuzhu.interop.urls")),
    path("interop/", include("jiuzhu.interop.staff_urls")),
]

handler400 = "jiuzhu.core.error_views.bad_request"
handler403 = "jiuzhu.core.error_views.permission_denied"
handler404 = "jiuzhu.core.error_views.page_not_found"
handler500 = "jiuzhu.core.error_views.server_error"
