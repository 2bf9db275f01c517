"""Google Drive in the demo of `make run`, through the development stand-in of Google's
sign-in and Drive (tests/fakes/drive_standin.py, which `run_dev` starts; the drive's pages say
it is a stand-in).

Once the stand-in listens: the bakery's invoices and a receipt are put in its Drive folder
"Facturen 2026" (as the baker would save them there), the bakery's owner signs in through the
stand-in as in the browser (the sign-in page, Allow, the code exchanged for tokens), picks the
folder, and its first scan collects the files as documents, all through the real connection
and scan path. Idempotent: a bakery with a Google Drive folder gets nothing more.
"""

import base64
import io
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import requests
from django.conf import settings
from django.contrib.sessions.backends.base import SessionBase
from django.db import transaction

from apps.accounts.models import User
from apps.companies.models import Company, Membership, Role
from apps.companies.scoping import company_scope
from apps.demo.inbox import supplier_pdf
from apps.demo.profiles import BAKERY as BAKERY_PROFILE
from apps.documents.models import Document, Source
from apps.documents.reading import document_read
from apps.inbox import oauth, scanning
from apps.inbox.models import CloudFolder
from apps.inbox.services import cloud_folder_choose

BAKERY = "0412345614"
FOLDER = "Facturen 2026"
ACCOUNT = "sofie.peeters@gmail.example"  # the bakery's Google account in the stand-in
TIMEOUT = 10

INVOICES: list[tuple[str, dict[str, Any]]] = [
    (
        "meelco-2026-0954.pdf",
        {
            "supplier": BAKERY_PROFILE.mailbox["supplier"],
            "number": "2026/0954",
            "date": "04/12/2026",
            "due": "03/01/2027",
            "lines": [("Bloem T55, 25 kg x 10", "180,00"), ("Rietsuiker, 10 kg x 3", "27,60")],
            "totals": ("207,60", "43,60", "251,20"),
        },
    ),
    (
        "kantoorplus-KP-2026-2417.pdf",
        {
            "supplier": BAKERY_PROFILE.forwarded["supplier"],
            "number": "KP-2026-2417",
            "date": "02/12/2026",
            "due": "01/01/2027",
            "lines": [("Kassarollen, 50 stuks", "42,50"), ("Printpapier A4, 5 dozen", "42,50")],
            "totals": ("85,00", "17,85", "102,85"),
        },
    ),
    (
        "energieplus-november.pdf",
        {
            "supplier": BAKERY_PROFILE.new_supplier,
            "number": "EP-2026-11093",
            "date": "03/12/2026",
            "due": "17/12/2026",
            "lines": [("Elektriciteit november 2026", "196,40"), ("Netkosten", "60,50")],
            "totals": ("256,90", "53,95", "310,85"),
        },
    ),
]
RECEIPT = "bonnetje-bouwmarkt.jpg"
RECEIPT_LINES = [
    "BOUWMARKT HET ANKER",
    "Boomsesteenweg 80, 2610 Wilrijk",
    "05/12/2026 10:42",
    "",
    "Schroeven 4x40 (200)      8,95",
    "Siliconenkit wit          6,49",
    "Verfroller 18 cm          4,99",
    "",
    "TOTAAL EUR               20,43",
    "waarvan btw 21 %          3,55",
    "Betaald met Bancontact",
]


def _receipt() -> bytes:
    """A photographed till receipt: black text on a narrow white slip (JPEG)."""
    from PIL import Image, ImageDraw, ImageFont

    image = Image.new("RGB", (640, 760), "white")
    draw = ImageDraw.Draw(image)
    font = ImageFont.load_default(size=26)
    for number, line in enumerate(RECEIPT_LINES):
        draw.text((30, 40 + number * 56), line, fill="black", font=font)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85)
    return out.getvalue()


def _standin_url(path: str) -> str:
    root = settings.GOOGLE_DRIVE_API_URL.removesuffix("/drive/v3")
    return f"{root}/{path}"


def _put(path: str, content: bytes, mime_type: str) -> None:
    """A file in the stand-in's Drive, as its user would save it there (never in a real one:
    only with DRIVES_STANDIN)."""
    response = requests.post(
        _standin_url("__control/file"),
        json={
            "path": path,
            "content": base64.b64encode(content).decode(),
            "mimeType": mime_type,
        },
        timeout=TIMEOUT,
    )
    response.raise_for_status()


def _allow(authorization_url: str) -> str:
    """What the browser does on the stand-in's consent page: Allow; the code it sends back."""
    form = dict(parse_qsl(urlsplit(authorization_url).query))
    response = requests.post(
        settings.GOOGLE_AUTH_URL,
        data={**form, "decision": "allow", "account": ACCOUNT},
        allow_redirects=False,
        timeout=TIMEOUT,
    )
    response.raise_for_status()
    return dict(parse_qsl(urlsplit(response.headers["Location"]).query))["code"]


def _connect(company: Company, owner: User) -> CloudFolder:
    """The owner signs in with Google for the drive, as on the Connect Google Drive page."""
    session = SessionBase()
    target = oauth.oauth_flow_start(
        session=session,
        company=company,
        actor=owner,
        provider="google",
        purpose="files",
        drive=CloudFolder.Provider.GOOGLE_DRIVE,
    )
    state = dict(parse_qsl(urlsplit(target).query))["state"]
    code = _allow(target)
    pending = oauth.oauth_flow_take(session=session, state=state, company=company, actor=owner)
    return oauth.drive_flow_finish(company=company, actor=owner, pending=pending, code=code).folder


def seed_drive() -> list[str]:
    """What it did, in lines for the console."""
    if not settings.DRIVES_STANDIN:
        return []
    company = Company.objects.filter(enterprise_number=BAKERY).first()
    if company is None:
        return []
    with company_scope(company):
        drives = CloudFolder.objects.filter(
            company=company, provider=CloudFolder.Provider.GOOGLE_DRIVE
        )
        if drives.exists():
            return []
        for name, spec in INVOICES:
            _put(f"{FOLDER}/{name}", supplier_pdf(company, spec), "application/pdf")
        _put(f"{FOLDER}/Bonnetjes/{RECEIPT}", _receipt(), "image/jpeg")
        owner = (
            Membership.objects.filter(company=company, role=Role.OWNER)
            .select_related("user")
            .earliest("created_at")
            .user
        )
        # one transaction: the scan enqueued when the folder is chosen runs after this one
        # (and finds nothing new), and a failure leaves nothing half connected
        with transaction.atomic():
            folder = _connect(company, owner)
            client = scanning.cloud_client_for(folder)
            chosen = next(f for f in client.folders("root") if f.name == FOLDER)
            cloud_folder_choose(folder=folder, location=chosen.location, path=chosen.path)
            report = scanning.cloud_folder_scan(folder=folder)
        if report.error is not None:
            return [f"Google Drive folder {FOLDER} connected; its scan failed: {report.error}"]
        for document in Document.objects.filter(
            company=company, source=Source.CLOUD, status=Document.Status.RECEIVED
        ):
            document_read(company_id=company.pk, document_id=document.pk)
    return [
        f"{company.name}: Google Drive folder {FOLDER} of {folder.username} connected through "
        f"the stand-in, {report.documents} documents collected"
    ]
