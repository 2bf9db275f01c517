"""The English reasons stored before 0002, as codes of ``apps.peppol.problems``.

Each sentence the adapter used to build for a transmission (a send's answer, the
reconciler's question) is recognised and becomes its code, with its parameters (the partner's
own words, an HTTP status, an exception's name); anything else (the partner's own words as
they came, or a sentence not recognised) is kept verbatim as the detail of ``other``, so
nothing said is lost. Going back keeps the codes.
"""

import re
from typing import Any

from django.db import migrations

LABELS = {"recommand": "Recommand"}  # what the adapters call themselves (their ``label``)
DETAIL_CHARACTERS = 500

# (pattern, code); named groups become params; "{partner}" is the partner's label
SENTENCES: list[tuple[str, str]] = [
    (r"(?:{partner} not reached|{partner} could not be reached): (?P<error>\w+)", "not_reached"),
    (r"No answer from {partner}: (?P<error>\w+)", "no_answer"),
    (r"{partner}: HTTP (?P<status>\d{{3}})", "server_error"),
    (r"{partner}: too many requests", "rate_limited"),
    (r"{partner}'s answer has no id", "incomplete"),
    (r"{partner}: (?:the new company has no id|no \w+ in the answer)", "incomplete"),
    (r"{partner} recorded the document but did not send it over Peppol\.", "not_sent_over_peppol"),
    (r"The XML is not UTF-8\.", "not_utf8"),
    (r"{partner}: (?:the answer is not JSON|the answer is not a JSON object|.*larger than.*)",
     "unreadable"),
    (
        r"{partner} has more than (?P<count>\d+) outgoing documents matching "
        r"'(?P<reference>.*)'; cannot tell",
        "too_many_matches",
    ),
    (r"find_sent needs a reference", "no_reference"),
    (r"{partner} \(HTTP (?P<status>\d{{3}})\): (?P<detail>.*)", "http"),
    (r"HTTP (?P<status>\d{{3}})(?:: (?P<detail>.*))?", "http"),
]


def _http(status: int, detail: str) -> tuple[str, dict[str, Any]]:
    """A refusal with an HTTP status, as the adapter words it now."""
    words = "" if re.fullmatch(r"(HTTP \d{3}:? ?)*", detail) else detail
    if status == 429:
        return "rate_limited", {"status": status}
    if status >= 500 or status == 408:
        return "server_error", {"status": status}
    if not words:
        return "refused_http", {"status": status}
    if status in (400, 422):
        return "refused", {"status": status, "detail": words}
    return "refused_status", {"status": status, "detail": words}


def reason_code(text: str, provider: str) -> tuple[str, dict[str, Any]]:
    """The code and params of a reason stored as text ("", {} for none)."""
    text = " ".join(text.split())
    if not text:
        return "", {}
    partner = LABELS.get(provider, provider)
    for pattern, code in SENTENCES:
        found = re.fullmatch(pattern.format(partner=re.escape(partner)), text)
        if found is None:
            continue
        params: dict[str, Any] = {
            key: value for key, value in found.groupdict().items() if value is not None
        }
        if code == "http":
            code, params = _http(int(params["status"]), params.get("detail", ""))
        for number in ("status", "count"):
            if number in params:
                params[number] = int(params[number])
        if code != "not_utf8":
            params["partner"] = partner
        return code, params
    return "other", {"detail": text[:DETAIL_CHARACTERS]}


def forwards(apps: Any, schema_editor: Any) -> None:
    Transmission = apps.get_model("peppol", "Transmission")
    # the default manager is company-scoped (fails closed): every company's rows here
    rows = Transmission._base_manager.exclude(reason="").filter(reason_code="")
    for transmission in rows.iterator():
        code, params = reason_code(transmission.reason, transmission.provider)
        transmission.reason_code = code
        transmission.reason_params = params
        transmission.save(update_fields=["reason_code", "reason_params"])


class Migration(migrations.Migration):
    dependencies = [
        ("peppol", "0002_transmission_reason_code"),
    ]

    operations = [
        migrations.RunPython(forwards, migrations.RunPython.noop),
    ]
