from apps.sales.views import customers, invoices, quotes

app_name = "sales"

urlpatterns = [*customers.urls, *quotes.urls, *invoices.urls]
