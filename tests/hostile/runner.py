"""Runs hostile files through OkiOki's four entry points, each in a child process with a
memory cap and a time limit, and says whether the outcome is correct.

A ``Runner`` starts ``python -m tests.hostile.runner WORKDIR``: a process that sets Django up
once (SQLite, Celery eager, a migrated template database) and then, for every request, forks a
child that

- caps its memory (``RLIMIT_DATA``, inherited by Tesseract; not ``RLIMIT_AS``, which also
  counts the 32 GB of address space Saxon's GraalVM reserves and would kill every validation),
- copies the template database, makes a company and its owner,
- runs the item through one path, all reading in-process (eager):
  ``upload`` the upload view through Django's test client; ``forwarding`` the real SMTP
  receiver (``apps.inbox.smtpd``) on a free port, then an ordinary invoice after it;
  ``mailbox`` a scan of a real Dovecot mailbox that holds the item and then an ordinary
  invoice; ``extract`` ``manage.py documents extract FILE``,
- writes what became of it (documents, messages, replies, pages shown) as JSON.

The parent waits with a deadline and records the child's time and peak memory (``ru_maxrss``
from ``wait4``, which includes Tesseract's). A child that dies, runs out of memory or time
never takes the run down: that is the finding. ``verdict`` turns a run into an outcome line
and the list of what is wrong with it (empty when OkiOki did the right thing).
"""

import contextlib
import io
import json
import os
import resource
import shutil
import signal
import subprocess
import sys
import time
import traceback
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from tests.hostile.generate import FINAL, READABLE, REFUSED, REJECTED, Item, attach, good_invoice

ROOT = Path(__file__).resolve().parent.parent.parent
PATHS = ("upload", "forwarding", "mailbox", "extract")
MB = 1024 * 1024
# Bidi controls that reorder what follows (embeddings and overrides): never shown raw.
BIDI_OVERRIDES = "\u202a\u202b\u202c\u202d\u202e"
NEXT = "NEXT"  # the label of the ordinary invoice sent after a hostile message


@dataclass
class Run:
    item: str
    path: str
    status: str = "done"  # done, timeout, crashed (died by a signal)
    seconds: float = 0.0
    peak_mb: float = 0.0
    exit_code: int | None = None
    signal: int | None = None
    report: dict[str, Any] = field(default_factory=dict)
    log: str = ""  # the end of the child's output


def applies(item: Item, path: str) -> bool:
    """E-mails go through the mail paths; files through all four (attached to an e-mail)."""
    return not (item.is_mail and path in ("upload", "extract"))


# --- the parent side ---------------------------------------------------------------------------


class Runner:
    """The forking process; ``run`` one item through one path at a time."""

    def __init__(
        self, workdir: Path, *, memory_mb: int = 1536, timeout: float = 60, env: dict | None = None
    ) -> None:
        self.workdir = Path(workdir)
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.memory_mb = memory_mb
        self.timeout = timeout
        child_env = {
            key: value
            for key, value in os.environ.items()
            if key not in ("DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL")
        }
        child_env.update(
            DJANGO_SETTINGS_MODULE="okioki.settings",
            DEBUG="true",
            SECRET_KEY=child_env.get("SECRET_KEY", "okioki-hostile-harness-only"),
            ALLOWED_HOSTS="testserver,127.0.0.1,localhost",
            SECURE_COOKIES="false",
            CELERY_TASK_ALWAYS_EAGER="true",
            EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
            OKIOKI_VAR_DIR=str(self.workdir / "var"),
            DATABASE_URL=f"sqlite:///{self.workdir / 'template.sqlite3'}",
            # the harness's Dovecot and SMTP receiver are on loopback
            OUTBOUND_ALLOW_PRIVATE="true",
            PYTHONPATH=str(ROOT),
            **(env or {}),
        )
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tests.hostile.runner", str(self.workdir)],
            cwd=ROOT,
            env=child_env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        ready = self.process.stdout.readline()  # type: ignore[union-attr]
        if not ready.startswith("ready"):
            self.close()
            raise RuntimeError(
                f"hostile runner did not start: {ready!r}; see {self.workdir / 'runner.log'}"
            )
        self.baseline_mb = float(ready.split()[1])

    def run(self, item: Item, path: str, corpus: Path, **extra: Any) -> Run:
        request = {
            "item": asdict(item),
            "path": path,
            "file": str(corpus / item.name),
            "memory": self.memory_mb * MB,
            "timeout": self.timeout,
            **extra,
        }
        self.process.stdin.write(json.dumps(request) + "\n")  # type: ignore[union-attr]
        self.process.stdin.flush()  # type: ignore[union-attr]
        answer = self.process.stdout.readline()  # type: ignore[union-attr]
        if not answer:
            raise RuntimeError(f"hostile runner stopped; see {self.workdir / 'runner.log'}")
        return Run(**json.loads(answer))

    def close(self) -> None:
        if self.process.poll() is None:
            with contextlib.suppress(OSError):
                self.process.stdin.close()  # type: ignore[union-attr]
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def __enter__(self) -> "Runner":
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def mailbox_messages(item: Item, corpus: Path) -> list[bytes]:
    """What the mailbox holds for ``item``: the hostile message, then an ordinary invoice."""
    data = (corpus / item.name).read_bytes()
    return [data if item.is_mail else attach(item, data), good_invoice(f"{NEXT}-mailbox")]


# --- verdicts ----------------------------------------------------------------------------------


def _reasons(report: dict[str, Any], documents: list[dict[str, Any]]) -> set[str]:
    codes = {code for doc in documents for code in doc["problems"]}
    codes |= {r["error_code"] for r in report.get("results", []) if r["error_code"]}
    for message in report.get("messages", []):
        if not message["is_next"]:
            codes.add(message["problem_code"])
            codes |= {a["result"] for a in message["attachments"]}
    if report.get("smtp") and 500 <= report["smtp"][0] < 600:
        codes.add(f"smtp {report['smtp'][0]}")  # refused while still talking to the sender
    return codes - {"", "created", "duplicate", "joined"}


def verdict(item: Item, run: Run) -> tuple[str, list[str]]:
    """One line saying what happened, and what is wrong with it (empty: correct)."""
    wrong: list[str] = []
    if run.status == "timeout":
        return f"timeout after {run.seconds:.0f} s", [f"no result within {run.seconds:.0f} s"]
    report = run.report
    if run.status == "crashed" or not report:
        memory = "MemoryError" in run.log or "Cannot allocate memory" in run.log
        what = "killed at memory cap" if memory else f"crashed (signal {run.signal})"
        return what, [f"{what}: {run.log[-300:]}"]
    if report.get("exception"):
        memory = report["exception"].startswith("MemoryError")
        what = "memory cap: MemoryError" if memory else f"crash: {report['exception'][:120]}"
        return what, [what]
    if item.seconds and run.seconds > item.seconds:
        wrong.append(f"took {run.seconds:.1f} s (at most {item.seconds:.0f} s)")
    if item.megabytes and run.peak_mb > item.megabytes:
        wrong.append(f"peak memory {run.peak_mb:.0f} MB (at most {item.megabytes} MB)")
    if run.path == "extract":
        return _extract_verdict(item, report, wrong)
    documents = [doc for doc in report["documents"] if not doc["is_next"]]
    statuses = sorted({doc["status"] for doc in documents})
    reasons = _reasons(report, documents)
    outcome = []
    if run.path == "upload":
        if report["http_status"] != 200:
            wrong.append(f"upload answered {report['http_status']}")
        refused = [r["error_code"] for r in report["results"] if r["error_code"]]
        if refused:
            outcome.append("refused: " + ",".join(sorted(set(refused))))
    else:
        outcome.extend(_mail_checks(item, run, report, wrong))
    if documents:
        counts = ", ".join(f"{sum(d['status'] == s for d in documents)} {s}" for s in statuses)
        outcome.insert(0, counts)
    problems = sorted({code for doc in documents for code in doc["problems"]})
    if problems:
        outcome.append("(" + ",".join(problems)[:60] + ")")
    for doc in documents:
        if doc["status"] in ("received", "reading"):
            wrong.append(f"{doc['filename']} stays '{doc['status']}'")
        elif doc["status"] != "ready" and not doc["problems"]:
            wrong.append(f"{doc['filename']} is '{doc['status']}' without a reason")
        if "/" in doc["filename"] or "\\" in doc["filename"]:
            wrong.append(f"a document is named with a path: {doc['filename']!r}")
    if item.expect in (REFUSED, REJECTED):
        ready = [d["filename"] for d in documents if d["status"] in ("ready", "delivered")]
        if ready:
            wrong.append(f"accepted as ready: {', '.join(ready)}")
        if not reasons:
            wrong.append("refused without a reason")
    if item.expect == REJECTED:
        kept = [d["filename"] for d in documents if d["status"] == "needs_review"]
        if kept:
            wrong.append(f"read as if it were fine (needs review), not refused: {', '.join(kept)}")
    elif item.expect == READABLE:
        if not documents:
            wrong.append("no document, expected a readable one")
        failed = [d["filename"] for d in documents if d["status"] == "failed"]
        if failed:
            wrong.append(f"refused although readable: {', '.join(failed)}")
        refused = [r["filename"] for r in report.get("results", []) if r["error_code"]]
        if refused:
            wrong.append(f"refused at arrival although readable: {', '.join(refused)}")
    if item.documents:
        # each member is a document or refused with its reason: none is lost without a word
        refusals = [r for r in report.get("results", []) if r["error_code"]] + [
            a
            for m in report.get("messages", [])
            if not m["is_next"]
            for a in m["attachments"]
            if a["result"] not in ("created", "duplicate", "joined")
        ]
        if len(documents) + len(refusals) != item.documents:
            wrong.append(
                f"{len(documents)} documents and {len(refusals)} refusals for "
                f"{item.documents} files: one was dropped without a word"
            )
    if item.codes and not reasons & set(item.codes):
        wrong.append(f"reason not among {item.codes}: {sorted(reasons) or 'none'}")
    limits = report["limits"]
    stored = sum(doc["size"] for doc in documents)
    if item.group == "zip" and stored > limits["zip_total"]:
        wrong.append(
            f"{stored / MB:.0f} MB unpacked and stored (cap {limits['zip_total'] / MB:.0f} MB)"
        )
    if item.name == "mime/pdf-parts-5000.eml" and len(documents) > limits["attachments"]:
        wrong.append(f"{len(documents)} documents from one e-mail (cap {limits['attachments']})")
    pages = {
        **report["pages"],
        **({"upload result": report["upload_page"]} if "upload_page" in report else {}),
    }
    for page, shown in pages.items():
        if shown["status"] != 200:
            wrong.append(f"{page} page answered {shown['status']}")
        elif shown["bidi"]:
            wrong.append(f"{page} page shows a raw bidi override")
    if item.expect == FINAL and not documents and not reasons and run.path == "upload":
        wrong.append("no document and no reason")
    return " ".join(outcome) or "nothing", wrong


def _extract_verdict(item: Item, report: dict[str, Any], wrong: list[str]) -> tuple[str, list[str]]:
    if report["exit"] == 0:
        if not report["json"]:
            wrong.append("exit 0 without JSON on stdout")
        if item.expect == REJECTED and item.group != "zip":
            wrong.append("read as if it were fine (exit 0), expected a clear refusal")
        return "exit 0, JSON", wrong
    if item.expect == READABLE and item.group != "zip":
        wrong.append("refused, expected it to be read")
    message = report["stderr"].strip().splitlines()[-1:] or [""]
    if "Traceback" in report["stderr"] or not message[0].startswith("CommandError"):
        wrong.append(f"not a clear error: {report['stderr'][-200:]}")
    # "CommandError: /path/to/FILE: what is wrong" -> "what is wrong"
    said = message[0].split(": ", 2)[-1] if message[0].startswith("CommandError") else message[0]
    return f"exit {report['exit']}: {said[:80]}", wrong


def _mail_checks(item: Item, run: Run, report: dict[str, Any], wrong: list[str]) -> list[str]:
    outcome = []
    hostile = [m for m in report["messages"] if not m["is_next"]]
    if run.path == "forwarding":
        code, text = report["smtp"]
        outcome.append(f"SMTP {code}")
        if not (code == 250 or 500 <= code < 600):
            wrong.append(f"SMTP answered {code} {text[:80]} (a 4xx is retried for ever)")
        if code == 250 and not hostile:
            wrong.append("answered 250 but no e-mail recorded")
        next_code = report["smtp_next"][0]
        if next_code != 250:
            wrong.append(f"the next invoice was answered {next_code}")
    else:
        scan = report["scan"]
        if scan["error"]:
            wrong.append(f"scan error: {scan['error']}")
        if not hostile:
            wrong.append("the hostile e-mail was not recorded")
        if report["last_uid"] < 2:
            wrong.append(f"the folder's progress stays at UID {report['last_uid']}")
    for message in hostile:
        outcome.append(f"e-mail {message['status']}")
        if message["problem_code"]:
            outcome[-1] += f" ({message['problem_code']})"
        if message["status"] == "received":
            wrong.append("the e-mail stays 'received'")
        if message["status"] == "failed" and not message["has_raw"]:
            wrong.append("a failed e-mail without its raw message")
        if item.is_mail and not message["subject"]:
            wrong.append("the e-mail was recorded without its headers")
    next_documents = [d for d in report["documents"] if d["is_next"]]
    if not next_documents:
        wrong.append("the invoice after it was not collected")
    elif any(d["status"] in ("received", "reading", "failed") for d in next_documents):
        wrong.append(f"the invoice after it is '{next_documents[0]['status']}'")
    else:
        outcome.append("next collected")
    return outcome


# --- the forking process -----------------------------------------------------------------------


def _serve(workdir: Path) -> None:
    """Set Django up once, then fork one capped child per request read on stdin."""
    log = open(workdir / "runner.log", "ab", buffering=0)  # noqa: SIM115
    protocol = os.fdopen(os.dup(1), "w", buffering=1)
    os.dup2(log.fileno(), 1)
    os.dup2(log.fileno(), 2)
    import django

    django.setup()
    import logging

    logging.disable(logging.CRITICAL)
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connections

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # Nothing has used the cache yet: a fresh in-memory one per child (rate limits included).
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    call_command("migrate", verbosity=0, interactive=False)
    from django.test.utils import setup_test_environment

    setup_test_environment()  # the test client then sees each page's context
    connections.close_all()
    _preload()
    status = Path("/proc/self/status").read_text()
    baseline = int(status.split("VmRSS:")[1].split()[0]) / 1024  # what every child starts from
    protocol.write(f"ready {baseline:.0f}\n")
    for count, line in enumerate(sys.stdin, start=1):
        request = json.loads(line)
        protocol.write(json.dumps(asdict(_fork(workdir, count, request))) + "\n")


def _preload() -> None:
    """Import what every child uses, once (importing starts no thread: safe before fork)."""
    import aiosmtpd.controller  # noqa: F401
    import imapclient  # noqa: F401
    import pdfplumber  # noqa: F401
    import pypdf  # noqa: F401
    import pypdfium2  # noqa: F401
    import weasyprint  # noqa: F401
    from django.test import Client  # noqa: F401
    from django.urls import reverse

    import apps.documents.management.commands.documents
    import apps.documents.reading
    import apps.inbox.scanning
    import apps.inbox.smtpd  # noqa: F401
    import tests.factories  # noqa: F401

    reverse("inbox:inbound-webhook")


def _fork(workdir: Path, number: int, request: dict[str, Any]) -> Run:
    item, path = request["item"]["name"], request["path"]
    result_path = workdir / f"run-{number}.json"
    log_path = workdir / f"run-{number}.log"
    started = time.monotonic()
    pid = os.fork()
    if pid == 0:  # the child
        code = 1
        try:
            os.setpgid(0, 0)
            limit = request["memory"]
            resource.setrlimit(resource.RLIMIT_DATA, (limit, limit))
            output = os.open(log_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
            os.dup2(output, 1)
            os.dup2(output, 2)
            report = _child(workdir, number, request)
            result_path.write_text(json.dumps(report, default=str))
            code = 0
        except BaseException:
            traceback.print_exc()
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(code)
    with contextlib.suppress(OSError):
        os.setpgid(pid, pid)
    deadline = started + request["timeout"]
    timed_out = False
    while True:
        done, status, usage = os.wait4(pid, os.WNOHANG)
        if done:
            break
        if time.monotonic() > deadline and not timed_out:
            timed_out = True
            with contextlib.suppress(ProcessLookupError):
                os.killpg(pid, signal.SIGKILL)
        time.sleep(0.02)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pid, signal.SIGKILL)  # whatever it left behind (a Tesseract)
    run = Run(item=item, path=path, seconds=round(time.monotonic() - started, 2))
    run.peak_mb = round(usage.ru_maxrss / 1024, 1)
    if timed_out:
        run.status = "timeout"
    elif os.WIFSIGNALED(status):
        run.status, run.signal = "crashed", os.WTERMSIG(status)
    else:
        run.exit_code = os.WEXITSTATUS(status)
    if result_path.exists():
        run.report = json.loads(result_path.read_text())
        result_path.unlink()
    with contextlib.suppress(OSError):
        run.log = log_path.read_text(errors="replace")[-2000:]
        log_path.unlink()
    return run


# --- the child: one item through one path ------------------------------------------------------


def _child(workdir: Path, number: int, request: dict[str, Any]) -> dict[str, Any]:
    path, file = request["path"], Path(request["file"])
    if path == "extract":
        return _extract(file)
    from django.conf import settings
    from django.db import connections

    database = workdir / f"run-{number}.sqlite3"
    shutil.copyfile(workdir / "template.sqlite3", database)
    connections["default"].settings_dict["NAME"] = str(database)
    settings.DATABASES["default"]["NAME"] = str(database)
    item = Item(**request["item"])
    try:
        company, user = _company()
        report: dict[str, Any] = {}
        try:
            if path == "upload":
                report = _upload(company, user, item, file)
            elif path == "forwarding":
                report = _forwarding(company, item, file, request["timeout"])
            else:
                report = _mailbox(company, request["imap"])
        except BaseException as error:  # the finding: say what escaped, and where
            report["exception"] = f"{type(error).__name__}: {str(error)[:300]}"
            report["traceback"] = traceback.format_exc()[-3000:]
            return report
        report.update(_state(company, user))
        return report
    finally:
        connections.close_all()
        for suffix in ("", "-wal", "-shm"):
            with contextlib.suppress(OSError):
                os.unlink(f"{database}{suffix}")


def _company() -> tuple[Any, Any]:
    from apps.billing.models import Plan
    from apps.companies.models import Role
    from tests import factories

    company = factories.CompanyFactory(name="Bakkerij Hostile BV")
    plan = Plan.objects.filter(code="collect-70").first()
    if plan is not None:
        company.plan = plan
        company.save(update_fields=["plan"])
    user = factories.MembershipFactory(company=company, role=Role.OWNER).user
    return company, user


def _upload(company: Any, user: Any, item: Item, file: Path) -> dict[str, Any]:
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.test import Client
    from django.urls import reverse

    client = Client()
    client.force_login(user)
    url = reverse("documents:document-upload", kwargs={"company_id": company.public_id})
    upload = SimpleUploadedFile(item.upload_name, file.read_bytes())
    response = client.post(url, {"uploads": [upload]}, follow=True)
    context = response.context
    results = (context.get("results") or []) if context is not None else []
    return {
        "http_status": response.status_code,
        "upload_page": {"status": response.status_code, "bidi": _has_bidi(response.content)},
        "results": [
            {"filename": r.filename, "error_code": r.error_code, "error": str(r.error)}
            for r in results
        ],
    }


def _forwarding(company: Any, item: Item, file: Path, timeout: float) -> dict[str, Any]:
    import smtplib

    from apps.companies.scoping import company_scope
    from apps.inbox.forwarding import forwarding_address_create
    from apps.inbox.smtpd import make_controller
    from tests.servers import free_port

    with company_scope(company):
        address = forwarding_address_create(company=company).address
    data = file.read_bytes()
    raw = data if item.is_mail else attach(item, data)
    port = free_port()
    controller = make_controller(host="127.0.0.1", port=port)
    controller.start()

    def send(message: bytes) -> tuple[int, str]:
        try:
            with smtplib.SMTP("127.0.0.1", port, timeout=timeout) as client:
                refused = client.sendmail("facturen@drukkerij-peeters.example", [address], message)
                if refused:
                    code, text = next(iter(refused.values()))
                    return code, text.decode(errors="replace")
                return 250, ""
        except smtplib.SMTPResponseException as error:
            return error.smtp_code, error.smtp_error.decode(errors="replace")
        except smtplib.SMTPRecipientsRefused as error:
            code, text = next(iter(error.recipients.values()))
            return code, text.decode(errors="replace")
        except (OSError, smtplib.SMTPException) as error:
            return 0, f"{type(error).__name__}: {error}"

    try:
        first = send(raw)
        following = send(good_invoice(f"{NEXT}-forwarding"))
    finally:
        controller.stop()
    return {"smtp": first, "smtp_next": following}


def _mailbox(company: Any, imap: dict[str, Any]) -> dict[str, Any]:
    from apps.companies.scoping import company_scope
    from apps.core.crypto import encrypt
    from apps.inbox.models import Mailbox, MailboxFolder
    from apps.inbox.scanning import mailbox_scan

    with company_scope(company):
        mailbox = Mailbox.objects.create(
            company=company,
            name=imap["user"],
            host="127.0.0.1",
            port=imap["port"],
            security=Mailbox.Security.PLAIN,
            username=imap["user"],
            secret=encrypt(imap["password"]),
        )
        report = mailbox_scan(mailbox=mailbox)
        folder = MailboxFolder.objects.filter(mailbox=mailbox, name="INBOX").first()
    return {
        "scan": {
            "seen": report.seen,
            "documents": report.documents,
            "failed": report.failed,
            "error": report.error.code if report.error else "",
        },
        "last_uid": folder.last_uid if folder else 0,
    }


def _has_bidi(content: bytes) -> bool:
    text = content.decode("utf-8", "replace")
    return any(char in text for char in BIDI_OVERRIDES)


def _state(company: Any, user: Any) -> dict[str, Any]:
    """Every document and e-mail of the company, the limits in force, and the pages that
    show them (status and whether a raw bidi override reaches the page)."""
    from django.conf import settings
    from django.test import Client
    from django.urls import reverse

    from apps.companies.scoping import company_scope
    from apps.documents.models import Document
    from apps.inbox.models import InboundMessage

    with company_scope(company):
        documents = [
            {
                "filename": d.original_filename,
                "status": d.status,
                "problems": [p.get("code", "") for p in d.problems or []],
                "size": d.size,
                "is_next": d.original_filename.startswith(f"factuur-{NEXT}-"),
                "id": str(d.public_id),
            }
            for d in Document.objects.order_by("id")
        ]
        messages = [
            {
                "status": m.status,
                "problem_code": m.problem_code,
                "subject": m.subject,
                "sender": m.sender,
                "has_raw": bool(m.raw),
                "documents_created": m.documents_created,
                "attachments": m.details.get("attachments", [])[:100],
                "is_next": m.subject.startswith(f"Factuur {NEXT}-"),
                "id": str(m.public_id),
            }
            for m in InboundMessage.objects.order_by("id")
        ]
    client = Client()
    client.force_login(user)
    company_id = company.public_id
    urls = {
        "documents": reverse("documents:document-list", kwargs={"company_id": company_id}),
        "inbox": reverse("inbox:overview", kwargs={"company_id": company_id}),
    }
    for doc in [d for d in documents if not d["is_next"]][:2]:
        urls[f"document {doc['filename'][:40]}"] = reverse(
            "documents:document-detail", kwargs={"company_id": company_id, "document_id": doc["id"]}
        )
    for message in [m for m in messages if not m["is_next"]][:1]:
        urls["e-mail"] = reverse(
            "inbox:message-detail", kwargs={"company_id": company_id, "message_id": message["id"]}
        )
    pages = {}
    for name, url in urls.items():
        try:
            response = client.get(url)
            pages[name] = {"status": response.status_code, "bidi": _has_bidi(response.content)}
        except Exception as error:
            pages[name] = {"status": f"{type(error).__name__}: {error}"[:200], "bidi": False}
    max_upload = settings.MAX_UPLOAD_SIZE
    return {
        "documents": documents,
        "messages": messages,
        "pages": pages,
        "limits": {
            "zip_total": getattr(settings, "ZIP_MAX_TOTAL_SIZE", 2 * max_upload),
            "attachments": getattr(settings, "MAIL_MAX_ATTACHMENTS", 50),
        },
    }


def _extract(file: Path) -> dict[str, Any]:
    """``manage.py documents extract FILE`` as manage.py runs it (exit code, stdout, stderr)."""
    from django.core.management import ManagementUtility

    stdout, stderr = io.StringIO(), io.StringIO()
    code = 0
    with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
        try:
            ManagementUtility(["manage.py", "documents", "extract", str(file)]).execute()
        except SystemExit as exit_:
            code = exit_.code if isinstance(exit_.code, int) else 1
        except BaseException as error:
            return {
                "exception": f"{type(error).__name__}: {str(error)[:300]}",
                "traceback": traceback.format_exc()[-3000:],
            }
    try:
        json.loads(stdout.getvalue())
        is_json = True
    except ValueError:
        is_json = False
    return {"exit": code, "json": is_json, "stderr": stderr.getvalue()[-2000:]}


if __name__ == "__main__":
    _serve(Path(sys.argv[1]))
