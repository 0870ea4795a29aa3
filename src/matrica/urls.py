from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from matrica import record_exports, records, subject
from matrica import views as home_views
from matrica.accounts import views as account_views
from matrica.accounts.forms import AuditedSetPasswordForm
from matrica.staff import urls as staff_urls

admin.site.site_header = "Matrica"
admin.site.site_title = "Matrica"

urlpatterns = [
    path("", home_views.home, name="home"),
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password/", account_views.change_password, name="password_change"),
    # Password reset by email: Django's views, our templates; the new password goes through
    # the accounts' set_password action (validated and audited).
    path("password/reset/", auth_views.PasswordResetView.as_view(), name="password_reset"),
    path(
        "password/reset/sent/",
        auth_views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "password/reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(form_class=AuditedSetPasswordForm),
        name="password_reset_confirm",
    ),
    path(
        "password/reset/done/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path("i18n/", include("django.conf.urls.i18n")),
    path("framework/", include("matrica.framework.urls")),
    path("", include("matrica.tenancy.urls")),
    # The training record is composed above the apps (matrica.records) but is a staff page.
    path(
        "staff/",
        include(
            (
                staff_urls.urlpatterns
                + records.urlpatterns
                + record_exports.urlpatterns
                + subject.urlpatterns,
                "staff",
            )
        ),
    ),
    path("training/", include("matrica.training.urls")),
    path("curricula/", include("matrica.curricula.urls")),
    path("surveys/", include("matrica.surveys.urls")),
    path("needs/", include("matrica.needs.urls")),
    path("imports/", include("matrica.imports.urls")),
    path("xapi/", include("matrica.xapi.urls")),
    path("delivery/", include("matrica.delivery.urls")),
    path("evaluation/", include("matrica.evaluation.urls")),
    path("credentials/", include("matrica.credentials.urls")),
    path("teams/", include("matrica.teams.urls")),
    path("library/", include("matrica.library.urls")),
    path("audit/", include("matrica.audit.urls")),
    path("api/", include("matrica.api.urls")),
    path("compliance/", include("matrica.compliance.urls")),
    # The admin's own "change password" goes through the same action (audited, no secret).
    path("admin/password_change/", account_views.change_password),
    # The admin's log-in page offers "Forgotten your password?" when this name exists.
    path(
        "admin/password_reset/", auth_views.PasswordResetView.as_view(), name="admin_password_reset"
    ),
    path("admin/", admin.site.urls),
]
