"""IMAP settings of the mail providers Belgian entrepreneurs use most."""

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Preset:
    code: str
    name: Promise | str
    host: str
    port: int
    security: str
    hint: Promise | str = ""
    needs_oauth: bool = False


APP_PASSWORD_HINT = _(
    "Sign in with an app password: with two-step verification on, your provider makes one for "
    "OkiOki in its security settings. Your normal password usually does not work."
)

PRESETS = [
    Preset(
        "gmail",
        "Gmail / Google Workspace",
        "imap.gmail.com",
        993,
        "ssl",
        _(
            "Easiest: Connect Gmail above. With this form, Google needs an app password "
            "(Google account → Security → 2-Step Verification → App passwords)."
        ),
        needs_oauth=True,
    ),
    Preset(
        "outlook",
        "Outlook / Microsoft 365",
        "outlook.office365.com",
        993,
        "ssl",
        _(
            "Microsoft 365 mostly allows only sign-in with Microsoft: use Connect Microsoft 365 "
            "/ Outlook.com above. This form works only with an app password your administrator "
            "allows."
        ),
        needs_oauth=True,
    ),
    Preset("telenet", "Telenet", "imap.telenet.be", 993, "ssl", APP_PASSWORD_HINT),
    Preset("proximus", "Proximus", "imap.proximus.be", 993, "ssl", APP_PASSWORD_HINT),
    Preset("ovh", "OVHcloud", "ssl0.ovh.net", 993, "ssl"),
    Preset("one_com", "one.com", "imap.one.com", 993, "ssl"),
    Preset("other", _("Other provider"), "", 993, "ssl"),
]

PRESETS_BY_CODE = {preset.code: preset for preset in PRESETS}
