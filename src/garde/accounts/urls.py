from django.urls import path

from garde.accounts import views

app_name = "accounts"

urlpatterns = [
    path("login/", views.login_view, name="login"),
    path("login/verify/", views.login_verify_view, name="login_verify"),
    path("logout/", views.logout_view, name="logout"),
    path("mfa/setup/", views.mfa_setup_view, name="mfa_setup"),
    path("security/", views.security_view, name="security"),
    path("security/recovery-codes/", views.recovery_codes_view, name="recovery_codes"),
    path("security/disable-mfa/", views.mfa_disable_view, name="mfa_disable"),
    path("password/change/", views.password_change_view, name="password_change"),
    path("password/reset/", views.password_reset_view, name="password_reset"),
    path("password/reset/sent/", views.password_reset_done_view, name="password_reset_done"),
    path(
        "password/reset/<uidb64>/<token>/",
        views.password_reset_confirm_view,
        name="password_reset_confirm",
    ),
    path(
        "password/reset/done/", views.password_reset_complete_view, name="password_reset_complete"
    ),
    path("profile/", views.profile_view, name="profile"),
    path("profile/edit/", views.profile_edit_view, name="profile_edit"),
    path("profile/download/", views.profile_download_view, name="profile_download"),
    path("profile/delete/", views.account_delete_view, name="account_delete"),
]
