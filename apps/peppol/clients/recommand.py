"""Recommand (recommand.eu): placeholder, being written (see the helper's branch)."""

from dataclasses import dataclass


@dataclass
class RecommandGateway:
    api_url: str
    key: str
    secret: str
    webhook_secret: str
    network: str
    is_standin: bool
    send_timeout: int
    name: str = "recommand"
    label: str = "Recommand"
