from django.contrib import admin
from django.urls import include, path

from jiuzhu.accounts import auth_views
from jiuzhu.api import api
from jiuzhu.registry import views as registry_views

urlpatterns = [
    path("", registry_views.home, name="home"),
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
    path("gongshi/", include("jiuzhu.cases.public_urls")),
    path("accounts/", include("jiuzhu.accounts.urls")),
    path("policy/", include("jiuzhu.policy.urls")),
    path("monitoring/", include("jiuzhu.monitoring.urls")),
    path("funds/", include("jiuzhu.funds.urls")),
    path("support/", include("jiuzhu.support.urls")),
    path("stats/", include("jiuzhu.stats.urls")),
    path("m/", include("jiuzhu.portal.urls")),
    path("api/v1/", api.urls),
]
