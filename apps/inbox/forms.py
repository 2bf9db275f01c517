from typing import Any
from urllib.parse import urlparse

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext_lazy as _

from apps.core.outbound import is_refused_without_dns
from apps.inbox.clients.imap import LOCAL_HOSTS
from apps.inbox.errors import CONNECTION_ERRORS
from apps.inbox.models import CloudFolder, ForwardingAddress, Mailbox
from apps.inbox.presets import PRESETS, PRESETS_BY_CODE
from apps.inbox.services import CLOUD_FOLDER_FIELDS, MAILBOX_FIELDS


def _split_folders(value: str) -> list[str]:
    folders = [part.strip() for line in value.splitlines() for part in line.split(",")]
    return list(dict.fromkeys(folder for folder in folders if folder))


class CollectorFormMixin(forms.Form):
    """What the settings forms of a mailbox and a cloud folder share: a password field that
    is required to connect and optional (kept) when editing, the scan interval, and the
    cleaned values of the service's fields (``SERVICE_FIELDS``)."""

    SERVICE_FIELDS: tuple[str, ...] = ()

    password = forms.CharField(
        label=_("password or app password"),
        strip=False,
        required=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    scan_interval_minutes = forms.IntegerField(
        label=_("scan every (minutes)"), min_value=5, max_value=1440
    )

    def __init__(self, *args: Any, keep_password: bool = False, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.keep_password = keep_password
        if keep_password:
            self.fields["password"].help_text = _(
                "Stored encrypted and never shown. Leave empty to keep it."
            )
        else:
            self.fields["password"].required = True
            self.fields["password"].help_text = _("Stored encrypted and never shown again.")
            # when testing before saving, the typed password stays in the form
            self.fields["password"].widget.render_value = True

    def service_fields(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {name: data[name] for name in self.SERVICE_FIELDS if name in data}


class MailboxForm(CollectorFormMixin, forms.ModelForm):
    SERVICE_FIELDS = MAILBOX_FIELDS

    provider = forms.ChoiceField(
        label=_("provider"), choices=[(p.code, p.name) for p in PRESETS], initial="other"
    )
    folders_text = forms.CharField(
        label=_("folders to watch"),
        initial="INBOX",
        help_text=_("One or more folders, separated by commas. INBOX is your inbox."),
    )
    field_order = [
        "provider",
        "name",
        "username",
        "password",
        "host",
        "port",
        "security",
        "auth_method",
        "folders_text",
        "move_to_folder",
        "scan_interval_minutes",
    ]

    class Meta:
        model = Mailbox
        fields = [f for f in MAILBOX_FIELDS if f not in ("folders", "provider")]
        labels = {"username": _("e-mail address or user name")}
        help_texts = {
            "auth_method": _(
                "With OAuth2, paste an access token as the password; it must be renewed when it "
                "expires. An app password works without that."
            ),
        }

    # signed in with Google or Microsoft: the server and the sign-in come with the connection
    OAUTH_FIXED = ("provider", "username", "password", "host", "port", "security", "auth_method")

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["host"].required = False
        self.fields["name"].required = False
        if self.instance.pk:
            self.fields["folders_text"].initial = ", ".join(self.instance.folders)
            self.fields["provider"].initial = self.instance.provider
        self.is_oauth = bool(self.instance.oauth_provider)
        if self.is_oauth:
            for name in self.OAUTH_FIXED:
                del self.fields[name]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.is_oauth:
            return self._clean_folders(data)
        preset = PRESETS_BY_CODE.get(data.get("provider", ""), PRESETS_BY_CODE["other"])
        if not data.get("host"):
            if preset.host:
                data["host"], data["port"], data["security"] = (
                    preset.host,
                    preset.port,
                    preset.security,
                )
            else:
                self.add_error("host", _("Enter the IMAP server of your provider."))
        host = (data.get("host") or "").strip().lower()
        data["host"] = host
        if host and is_refused_without_dns(host):  # names are checked again at each connection
            self.add_error("host", str(CONNECTION_ERRORS["not_allowed"]))
        if data.get("security") == Mailbox.Security.PLAIN and host and host not in LOCAL_HOSTS:
            self.add_error(
                "security",
                _(
                    "Without encryption, only this computer (localhost) is allowed. "
                    "Choose SSL/TLS or STARTTLS."
                ),
            )
        port = data.get("port")
        if port is not None and not 0 < port < 65536:
            self.add_error("port", _("A port is a number from 1 to 65535."))
        return self._clean_folders(data)

    def _clean_folders(self, data: dict[str, Any]) -> dict[str, Any]:
        folders = _split_folders(data.get("folders_text") or "")
        if not folders:
            self.add_error("folders_text", _("Name at least one folder, e.g. INBOX."))
        data["folders"] = folders
        username = data.get("username") or (self.instance.username if self.is_oauth else "")
        if not data.get("name") and username:
            data["name"] = username
        return data


class CloudFolderForm(CollectorFormMixin, forms.ModelForm):
    SERVICE_FIELDS = CLOUD_FOLDER_FIELDS

    url = forms.URLField(
        label=_("server address"),
        max_length=500,
        assume_scheme="https",
        help_text=_("e.g. https://cloud.example.be/remote.php/dav/files/your-name/"),
    )
    field_order = [
        "name",
        "url",
        "username",
        "password",
        "path",
        "move_to_folder",
        "scan_interval_minutes",
    ]

    class Meta:
        model = CloudFolder
        fields = [f for f in CLOUD_FOLDER_FIELDS if f != "provider"]
        help_texts = {
            "path": _("The folder to watch, e.g. /Invoices. Its sub-folders are read too."),
        }

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["name"].required = False

    def clean_url(self) -> str:
        url = self.cleaned_data["url"].strip()
        parsed = urlparse(url)
        if is_refused_without_dns(parsed.hostname or ""):  # and at each connection
            raise ValidationError(str(CONNECTION_ERRORS["not_allowed"]))
        if parsed.scheme == "http" and (parsed.hostname or "") not in LOCAL_HOSTS:
            raise ValidationError(
                _("Use an https:// address: the password must not travel unencrypted.")
            )
        return url

    def clean_path(self) -> str:
        path = "/" + self.cleaned_data["path"].strip().strip("/")
        if ".." in path.split("/"):
            raise ValidationError(_("Enter a folder path without '..'."))
        return path

    def clean_move_to_folder(self) -> str:
        name = self.cleaned_data["move_to_folder"].strip().strip("/")
        if "/" in name or name in ("..", "."):
            raise ValidationError(_("Enter the name of one sub-folder, e.g. Processed."))
        return name

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("name"):
            data["name"] = (data.get("path") or "/").rstrip("/").rsplit("/", 1)[-1] or (
                urlparse(data.get("url") or "").hostname or "WebDAV"
            )
        data["provider"] = CloudFolder.Provider.WEBDAV
        return data


class ForwardingForm(forms.ModelForm):
    class Meta:
        model = ForwardingAddress
        fields = ["only_allowed_senders", "allowed_senders"]
        widgets = {"allowed_senders": forms.Textarea(attrs={"rows": 3})}

    def clean_allowed_senders(self) -> str:
        lines = [line.strip() for line in self.cleaned_data["allowed_senders"].splitlines()]
        wrong = []
        for line in filter(None, lines):
            candidate = f"x{line}" if line.startswith("@") else line
            try:
                validate_email(candidate)
            except ValidationError:
                wrong.append(line)
        if wrong:
            raise ValidationError(
                _("Not an e-mail address or @domain: %(wrong)s") % {"wrong": ", ".join(wrong)}
            )
        return "\n".join(filter(None, lines))


def _one_sub_folder(value: str) -> str:
    name = value.strip().strip("/")
    if "/" in name or name in ("..", "."):
        raise ValidationError(_("Enter the name of one sub-folder, e.g. Processed."))
    return name


class DriveFolderForm(forms.ModelForm):
    """The settings of a drive's folder (its account and folder are signed in and picked)."""

    scan_interval_minutes = forms.IntegerField(
        label=_("scan every (minutes)"), min_value=5, max_value=1440
    )

    class Meta:
        model = CloudFolder
        fields = ["name", "move_to_folder", "scan_interval_minutes"]

    def clean_move_to_folder(self) -> str:
        return _one_sub_folder(self.cleaned_data["move_to_folder"])


class DriveChoiceForm(forms.Form):
    """ "Collect from this folder" in the folder browser."""

    location = forms.CharField(max_length=500, widget=forms.HiddenInput)
    path = forms.CharField(max_length=500, required=False, widget=forms.HiddenInput)
    move_to_folder = forms.CharField(
        label=_("move processed files to the sub-folder"),
        max_length=200,
        required=False,
        help_text=_("Leave empty to leave the files where they are."),
    )

    def clean_move_to_folder(self) -> str:
        return _one_sub_folder(self.cleaned_data["move_to_folder"])
