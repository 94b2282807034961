from django.urls import path

from stocktake.accounts import views

app_name = "accounts"
urlpatterns = [
    path("", views.home, name="home"),
    path("signup/", views.signup, name="signup"),
    path("signup/sent/", views.signup_sent, name="signup_sent"),
    path("verify/<str:token>/", views.verify, name="verify"),
    path("verify-again/", views.verify_resend, name="verify_resend"),
    path("login/", views.login, name="login"),
    path("logout/", views.logout, name="logout"),
    path("password/reset/", views.password_reset, name="password_reset"),
    path("password/reset/sent/", views.password_reset_done, name="password_reset_done"),
    path("password/reset/<uidb64>/<token>/", views.password_reset_confirm, name="password_reset_confirm"),
    path("password/reset/done/", views.password_reset_complete, name="password_reset_complete"),
    path("password/change/", views.password_change, name="password_change"),
    path("profile/", views.profile, name="profile"),
    path("organisations/", views.organisations, name="organisations"),
    path("organisations/<slug:slug>/", views.organisation_members, name="organisation"),
    path("memberships/<int:pk>/decide/", views.membership_decide, name="membership_decide"),
    path("memberships/<int:pk>/leave/", views.membership_leave, name="membership_leave"),
    path("affiliations/", views.affiliations, name="affiliations"),
    path("affiliations/<int:pk>/remove/", views.affiliation_remove, name="affiliation_remove"),
    path("tokens/", views.tokens, name="tokens"),
    path("tokens/<int:pk>/revoke/", views.token_revoke, name="token_revoke"),
    path("notifications/", views.notifications, name="notifications"),
    path("reviewers/", views.reviewers, name="reviewers"),
]
