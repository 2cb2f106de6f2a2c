from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path

from monitoring import views as monitoring_views
from tickets import portal_views

urlpatterns = [
    path("", monitoring_views.home, name="home"),
    path("healthz", monitoring_views.healthz, name="healthz"),
    path(
        "accounts/login/",
        login_not_required(auth_views.LoginView.as_view(redirect_authenticated_user=True)),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("", include("tickets.urls")),
    path("portal/", include("tickets.portal_urls")),
    path("status/", portal_views.status, name="status"),
    path("monitoring/", include("monitoring.urls")),
    path("staffing/", monitoring_views.staffing, name="staffing"),
    path("billing/", include("quotas.urls")),
]
