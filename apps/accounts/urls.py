from django.urls import path

from apps.accounts import views

app_name = "accounts"

urlpatterns = [
    path("language/", views.set_language, name="set-language"),
    path("profile/", views.profile, name="profile"),
    path("sign-in/unlock/<str:token>/", views.login_unlock, name="login-unlock"),
]
