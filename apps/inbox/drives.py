"""Cloud drives signed in with their provider (OAuth2): Google Drive, OneDrive or SharePoint,
Dropbox. One entry a drive; the pages (connect, folder browser, reconnect) are the same for
all. A drive is offered once its client is in ``apps.inbox.clients.CLOUD_CLIENTS``; its
button explains when this server has no OAuth client id for its provider."""

from dataclasses import dataclass

from django.conf import settings
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from apps.inbox.clients import CLOUD_CLIENTS
from apps.inbox.clients.oauth import oauth_client


@dataclass(frozen=True)
class Drive:
    code: str  # CloudFolder.Provider
    oauth_provider: str  # apps.inbox.clients.oauth's provider
    name: Promise
    # what the provider's consent page asks for, said before the user goes there
    permission: Promise

    @property
    def is_configured(self) -> bool:
        return oauth_client(self.oauth_provider) is not None

    @property
    def is_standin(self) -> bool:
        """`make run`'s local stand-in plays Google's sign-in and Drive (said on its pages)."""
        return self.code == "google_drive" and settings.DRIVES_STANDIN


DRIVES: dict[str, Drive] = {
    "google_drive": Drive(
        "google_drive",
        "google",
        _("Google Drive"),
        _(
            "Google will ask you to let OkiOki “see, edit, create and delete all of your Google "
            "Drive files” (https://www.googleapis.com/auth/drive): the only permission that "
            "lets OkiOki list your folders and move processed files. Google also shares your "
            "e-mail address."
        ),
    ),
    "onedrive": Drive(
        "onedrive",
        "microsoft",
        _("OneDrive or SharePoint"),
        _(
            "Microsoft will ask you to let OkiOki read and write your files and the sites you "
            "can open, see your e-mail address, and keep that access (offline_access)."
        ),
    ),
    "dropbox": Drive(
        "dropbox",
        "dropbox",
        _("Dropbox"),
        _("Dropbox will ask you to let OkiOki see and edit the files and folders in your Dropbox."),
    ),
}


def drives_offered() -> list[Drive]:
    """The drives this OkiOki can read (configured or not: the button explains)."""
    return [drive for code, drive in DRIVES.items() if code in CLOUD_CLIENTS]


def drive_get(code: str) -> Drive | None:
    return DRIVES.get(code) if code in CLOUD_CLIENTS else None
