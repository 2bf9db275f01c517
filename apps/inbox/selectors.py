"""Reads of the inbox: what is connected, its health, and the mail and files looked at."""

import uuid
from typing import TypeVar

from django.db.models import QuerySet

from apps.companies.models import Company
from apps.inbox.models import CloudFile, CloudFolder, ConnectionTest, InboundMessage, Mailbox

RECENT = 50

_M = TypeVar("_M", Mailbox, CloudFolder, InboundMessage, ConnectionTest)


def _get(model: type[_M], company: Company, public_id: str | uuid.UUID) -> _M | None:
    return model.objects.filter(company=company, public_id=public_id).first()


def mailbox_list(*, company: Company) -> list[Mailbox]:
    return list(Mailbox.objects.filter(company=company).select_related("company"))


def mailbox_get(*, company: Company, mailbox_id: str | uuid.UUID) -> Mailbox | None:
    return _get(Mailbox, company, mailbox_id)


def connection_test_get(*, company: Company, test_id: str | uuid.UUID) -> ConnectionTest | None:
    return _get(ConnectionTest, company, test_id)


def cloud_folder_list(*, company: Company) -> list[CloudFolder]:
    return list(CloudFolder.objects.filter(company=company).select_related("company"))


def cloud_folder_get(*, company: Company, folder_id: str | uuid.UUID) -> CloudFolder | None:
    return _get(CloudFolder, company, folder_id)


def message_list(
    *, company: Company, mailbox: Mailbox | None = None, channel: str = "", limit: int = RECENT
) -> QuerySet[InboundMessage]:
    messages = InboundMessage.objects.filter(company=company).select_related("mailbox")
    if mailbox is not None:
        messages = messages.filter(mailbox=mailbox)
    if channel:
        messages = messages.filter(channel=channel)
    return messages.defer("details")[:limit]


def message_get(*, company: Company, message_id: str | uuid.UUID) -> InboundMessage | None:
    return (
        InboundMessage.objects.filter(company=company, public_id=message_id)
        .select_related("mailbox")
        .first()
    )


def cloud_file_list(*, folder: CloudFolder, limit: int = RECENT) -> QuerySet[CloudFile]:
    return CloudFile.objects.filter(company=folder.company, folder=folder).select_related(
        "document"
    )[:limit]


def cloud_folder_move_refused(*, folder: CloudFolder) -> bool:
    """Files were collected but could not be moved into the sub-folder (the account may
    read the folder, not change it): the folder's page says so once."""
    return (
        bool(folder.move_to_folder)
        and CloudFile.objects.filter(
            company=folder.company, folder=folder, problem_code="move_refused"
        ).exists()
    )
