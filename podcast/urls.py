import re

from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path
from django.views.generic.base import RedirectView

from .media import serve_media


def media_urls():
    """Media from the app itself, for one machine: ``static()`` only works with DEBUG on."""
    prefix = settings.MEDIA_URL.lstrip("/")
    if not prefix or "://" in settings.MEDIA_URL:
        return []
    return [re_path(rf"^{re.escape(prefix)}(?P<path>.*)$", serve_media, {"document_root": settings.MEDIA_ROOT})]


# The admin's modules load with the URLs (SimpleAdminConfig), not with every management command:
# import_podcast and export_podcast start a tenth of a second sooner.
admin.autodiscover()

urlpatterns = [
    # Browsers ask for it whatever the page names; the icon is a static file.
    path("favicon.ico", RedirectView.as_view(url=settings.STATIC_URL + "favicon.svg", permanent=True)),
    path("admin/", admin.site.urls),
    path("", include("episodes.urls")),
]
if settings.SERVE_MEDIA:
    urlpatterns += media_urls()
