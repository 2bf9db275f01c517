"""`make run`'s development stand-in of Google's sign-in and Google Drive, in one process on
loopback: the sign-in and consent page of ``tests.fakes.oauth_provider`` (the user clicks
Allow) and the Drive API v3 of ``tests.fakes.google_drive``, whose bearer tokens it checks.
Never used in production: the settings refuse DRIVES_STANDIN outside DEBUG, OkiOki's pages
of a Google Drive folder say it is a stand-in, and so does the consent page here.

Routes: ``/authorize``, ``/token``, ``/revoke``, ``/userinfo`` (the sign-in), ``/drive/v3/...``
(Drive), and test-only control routes (no auth, loopback only) under ``/__control/``:
``POST file {path, content (base64), mimeType}`` puts a file in the Drive as its user would
(``Facturen 2026/Bonnetjes/x.jpg``: the folders on the way are made); a file already at that
path is left as it is. ``GET state``: the Drive's paths.

At its first start the Drive holds "Facturen 2026" with its sub-folder "Bonnetjes", and
"Recepten" with a recipe (nothing to collect); the demo's seeding (``manage.py seed_drive``)
puts the demo company's invoices and a receipt in it. Its state (the Drive, the grants and
their tokens) is kept in a JSON file, so that a restart keeps the demo's folder connected.

Run alone::

    python -m tests.fakes.drive_standin --port 8056 --state var/drive-standin.json
"""

import argparse
import base64
import html
import itertools
import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.fakes.google_drive import FOLDER, PREFIX, FakeDrive, Item
from tests.fakes.google_drive import Reply as DriveReply
from tests.fakes.oauth_provider import FakeOAuthProvider, Grant, Reply, Server

CLIENT_ID = "google-client-standin"
CLIENT_SECRET = "google-secret-standin"
ACCOUNT = "sofie.peeters@gmail.example"  # who signs in on the consent page, unless changed
RECIPE = (
    "Desembrood\n\n500 g bloem T80, 350 g water, 100 g desem, 10 g zout.\n"
    "Kneden, 4 uur rijzen, vormen, een nacht in de koelkast, 40 minuten op 240 graden.\n"
)

# The consent page's label, in the browser's language (the page is no part of OkiOki, whose
# catalogs are not here)
LABELS = {
    "nl": "Demo: deze Google-aanmelding en Google Drive zijn een lokale nabootsing op deze "
    "computer. Er wordt geen Google-account gebruikt.",
    "fr": "Démo : cette connexion Google et ce Google Drive sont une imitation locale sur cet "
    "ordinateur. Aucun compte Google n'est utilisé.",
    "en": "Demo: this Google sign-in and Google Drive are a local stand-in on this computer. "
    "No Google account is used.",
}


def _language(accept: str) -> str:
    for part in accept.split(","):
        code = part.split(";")[0].strip().lower()[:2]
        if code in LABELS:
            return code
    return "en"


@dataclass
class LabelledProvider(FakeOAuthProvider):
    """The sign-in, whose consent page says it is a stand-in."""

    def handle(
        self, method: str, path: str, query: dict[str, list[str]], headers: Any, body: bytes
    ) -> tuple[int, object, dict[str, str]]:
        status, data, extra = super().handle(method, path, query, headers, body)
        if path == "/authorize" and method == "GET" and isinstance(data, str):
            label = LABELS[_language(headers.get("Accept-Language") or "")]
            note = (
                '<p id="drive-standin" style="background:#fff3cd;padding:.75em;'
                f'border:1px solid #e0c060">{html.escape(label)}</p>'
            )
            data = data.replace("<body>", "<body>" + note, 1)
            data = data.replace("Test provider", "Google (stand-in)", 1)
        return status, data, extra


@dataclass
class StandIn:
    oauth: LabelledProvider = field(default_factory=LabelledProvider)
    drive: FakeDrive = field(default_factory=FakeDrive)
    state_path: Path | None = None

    def __post_init__(self) -> None:
        self.drive.oauth = self.oauth

    # ``Server`` sets the address it listens on; the ID tokens name it as their issuer
    @property
    def base_url(self) -> str:
        return self.oauth.base_url

    @base_url.setter
    def base_url(self, value: str) -> None:
        self.oauth.base_url = value

    def handle(
        self, method: str, path: str, query: dict[str, list[str]], headers: Any, body: bytes
    ) -> tuple[int, object, dict[str, str]]:
        if path.startswith("/__control/"):
            return 200, self.control(method, path.removeprefix("/__control/"), body), {}
        if path.startswith(PREFIX):
            try:
                status, data = self.drive.handle(method, path, query, headers, body)
            except DriveReply as reply:
                status, data = reply.status, reply.body
            if method != "GET":
                self.save()
            return status, data, {}
        try:
            return self.oauth.handle(method, path, query, headers, body)
        finally:
            if method == "POST":
                self.save()

    # --- what the Drive's user does ---------------------------------------------------------

    def put(self, path: str, content: bytes, mime_type: str) -> tuple[str, bool]:
        """The file at ``path`` (under My Drive), made with the folders on the way unless it
        is there: its id, and whether it was made."""
        *folders, name = [part for part in path.split("/") if part]
        with self.drive.lock:
            parent = self.drive.root
            for folder in folders:
                parent = self._child(parent, folder, FOLDER) or self.drive.add_folder(
                    folder, parent
                )
            found = self._child(parent, name, mime_type)
            if found:
                return found, False
            return self.drive.add_file(name, content, parent, mime_type), True

    def _child(self, parent: str, name: str, mime_type: str) -> str:
        for item in self.drive.children(parent):
            if item.name == name and not item.trashed and item.is_folder == (mime_type == FOLDER):
                return item.id
        return ""

    def paths(self) -> list[str]:
        with self.drive.lock:
            items = self.drive.items

            def path_of(item: Item) -> str:
                names = []
                while item.parents and item.id != self.drive.root and len(names) < 100:
                    names.append(item.name)
                    item = items[item.parents[0]]
                return "/" + "/".join(reversed(names))

            return sorted(path_of(i) for i in items.values() if i.id != self.drive.root)

    def control(self, method: str, name: str, body: bytes) -> object:
        if method == "GET" and name == "state":
            return {"paths": self.paths()}
        if method == "POST" and name == "file":
            try:
                data = json.loads(body or b"{}")
                content = base64.b64decode(str(data.get("content", "")), validate=True)
            except ValueError:
                raise Reply(400, {"error": "JSON with base64 content expected"}) from None
            if not str(data.get("path", "")).strip("/"):
                raise Reply(400, {"error": "path is needed"})
            mime_type = str(data.get("mimeType") or "application/pdf")
            item_id, created = self.put(str(data["path"]), content, mime_type)
            self.save()
            return {"id": item_id, "created": created}
        raise Reply(404, {"error": "not_found"})

    # --- the state file ----------------------------------------------------------------------

    def save(self) -> None:
        if self.state_path is None:
            return
        oauth, drive = self.oauth, self.drive
        with oauth.lock, drive.lock:
            refresh_of = {id(grant): refresh for refresh, grant in oauth.grants.items()}
            now = time.time()
            data = {
                "grants": {
                    refresh: [g.email, g.client_id, g.scope, g.revoked]
                    for refresh, g in oauth.grants.items()
                },
                "access_tokens": {
                    token: [refresh_of[id(grant)], expires, oauth.token_scopes.get(token, "")]
                    for token, (grant, expires) in oauth.access_tokens.items()
                    if expires > now and id(grant) in refresh_of
                },
                "root": drive.root,
                "items": {
                    i.id: [
                        i.name,
                        i.mime_type,
                        i.parents,
                        base64.b64encode(i.content).decode(),
                        i.trashed,
                    ]
                    for i in drive.items.values()
                },
                "log": drive.log,
                "hidden": sorted(drive.hidden),
            }
            text = json.dumps(data, ensure_ascii=False)
        temporary = self.state_path.with_suffix(".tmp")
        temporary.write_text(text, encoding="utf-8")
        temporary.replace(self.state_path)

    def load(self) -> bool:
        if self.state_path is None or not self.state_path.exists():
            return False
        data = json.loads(self.state_path.read_text(encoding="utf-8"))
        oauth, drive = self.oauth, self.drive
        with oauth.lock, drive.lock:
            oauth.grants = {
                refresh: Grant(str(email), str(client), str(scope), bool(revoked))
                for refresh, (email, client, scope, revoked) in data["grants"].items()
            }
            for token, (refresh, expires, scope) in data["access_tokens"].items():
                if refresh in oauth.grants:
                    oauth.access_tokens[token] = (oauth.grants[refresh], float(expires))
                    oauth.token_scopes[token] = str(scope)
            drive.items.clear()
            drive.root = str(data["root"])
            for item_id, (name, mime_type, parents, content, trashed) in data["items"].items():
                drive.items[item_id] = Item(
                    item_id, name, mime_type, list(parents), base64.b64decode(content), trashed
                )
            drive.log[:] = [str(i) for i in data["log"]]
            drive.hidden = set(data["hidden"])
            # new ids after every id given so far (the fake's are 1file0001, 1file0002...),
            # deleted ones too (the change feed names them)
            given = [*drive.items, *drive.log]
            numbers = [int(i[5:]) for i in given if i.startswith("1file") and i[5:].isdigit()]
            drive.ids = itertools.count(max([0, *numbers]) + 1)
        return True


def _demo(standin: StandIn) -> None:
    """The Drive at the first start: the folder the demo collects from, and one it does not."""
    invoices = standin.drive.add_folder("Facturen 2026")
    standin.drive.add_folder("Bonnetjes", invoices)
    recipes = standin.drive.add_folder("Recepten")
    standin.drive.add_file("desembrood.txt", RECIPE.encode(), recipes, "text/plain")


def main() -> None:
    parser = argparse.ArgumentParser(
        description="make run's stand-in of Google's sign-in and Google Drive, on loopback"
    )
    parser.add_argument("--port", type=int, default=8056)
    parser.add_argument("--client-id", default=CLIENT_ID)
    parser.add_argument("--client-secret", default=CLIENT_SECRET)
    parser.add_argument("--account", default=ACCOUNT, help="who signs in, unless changed")
    parser.add_argument("--state", type=Path, default=None, help="a JSON file to keep it in")
    options = parser.parse_args()
    oauth = LabelledProvider(
        clients={options.client_id: options.client_secret}, signed_in_as=options.account
    )
    standin = StandIn(oauth=oauth, state_path=options.state)
    if not standin.load():
        _demo(standin)
        standin.save()
    server = Server(standin, port=options.port)
    print(
        f"Google sign-in and Drive stand-in (development only) on {server.url}, "
        f"Drive API {server.url}{PREFIX}",
        flush=True,
    )
    try:
        server.http.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.http.server_close()


if __name__ == "__main__":
    main()
