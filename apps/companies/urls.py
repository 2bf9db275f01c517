from django.urls import path

from apps.companies import views

app_name = "companies"

urlpatterns = [
    path("", views.home, name="home"),
]
