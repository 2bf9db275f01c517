from csp.decorators import csp_update
from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from apps.accounts.views import admin_login
from apps.core.views import favicon, healthz

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("favicon.ico", favicon),
    # Before the admin's own URLs: its password-only sign-in is replaced by allauth's.
    path("admin/login/", admin_login, name="admin-login"),
    path("admin/", admin.site.urls),
    path("console/", include("apps.billing.console.urls")),
    path("accounts/", include("allauth.urls")),
    path("me/", include("apps.accounts.urls")),
    path("api/v1/", include("apps.companies.api_urls")),
    path("api/v1/", include("apps.documents.api_urls")),
    path("api/v1/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path(
        "api/v1/docs/",
        # Swagger UI sets inline styles; allowed on this page only.
        csp_update({"style-src": ["'unsafe-inline'"]})(
            SpectacularSwaggerSplitView.as_view(url_name="api-schema")
        ),
        name="api-docs",
    ),
    path("", include("apps.documents.urls")),
    path("", include("apps.inbox.urls")),
    path("", include("apps.connections.urls")),
    path("", include("apps.sales.urls")),
    path("", include("apps.peppol.urls")),
    path("", include("apps.banking.urls")),
    path("", include("apps.billing.urls")),
    path("", include("apps.companies.urls")),
]
