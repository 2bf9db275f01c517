"""What every outgoing channel takes and answers, whatever it talks to."""

from dataclasses import dataclass, field
from typing import Protocol


@dataclass(frozen=True)
class Parcel:
    """One document (or message) for one destination.

    ``destination`` is what the channel addresses (an e-mail address; an import folder). The
    e-mail channel sends subject, body and attachments as they are. (Peppol sends are not a
    channel here: they need their own record, see apps.peppol.)
    """

    destination: str
    sender: str  # who it is from, as the receiver sees it
    subject: str
    body: str
    attachments: tuple[tuple[str, bytes, str], ...] = ()  # (file name, content, MIME type)
    message_id: str = ""  # stable per delivery, so a receiver can tell a retry
    reply_to: str = ""
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Outcome:
    """What the other side answered."""

    accepted: bool
    temporary: bool  # worth trying again later (4xx, connection trouble)
    code: int | None
    response: str

    @property
    def line(self) -> str:
        return f"{self.code} {self.response}".strip() if self.code else self.response


class Transport(Protocol):
    """An outgoing channel: sends a parcel and says what the other side answered; never
    raises for anything the other side or the network does."""

    name: str

    def send(self, parcel: Parcel) -> Outcome: ...

    def describe(self, answer: str) -> str:
        """A recorded answer (``Outcome.line``) in words for the reader, in their language."""
        ...
