"""A stand-in for Microsoft Graph's OneDrive and SharePoint file routes (v1.0), on loopback.

What is faked, and why: Microsoft Graph can't be reached from the test machines, so the
routes our OneDrive client calls are played by this small server with the documented JSON
shapes. What is real: our client (``apps.inbox.clients.onedrive``), its requests through the
outgoing-connection guard, and the bearer tokens, which the stand-in of Microsoft's sign-in
(``tests/fakes/oauth_provider.py``) issued: each call's token must be live there and its
grant hold ``Files.ReadWrite.All`` (401 ``InvalidAuthenticationToken`` otherwise).

State: drives (the user's OneDrive, SharePoint document libraries of followed sites), each a
tree of items the tests change (``put``, ``mkdir``, ``move``, ``rename``, ``delete``,
``deny``). Every change gets the next sequence number; a delta link is the number it was
given at.

- ``GET /v1.0/me/drive``, ``GET /v1.0/me/followedSites``, ``GET /v1.0/sites/{id}/drives``,
  ``GET /v1.0/drives/{d}``.
- ``GET /v1.0/drives/{d}/items/{i}`` (``root`` for the top; ``{i}:/{path}`` addresses by
  path): the item with ``parentReference.path`` ("/drives/{d}/root:/Invoices"), ``cTag``
  (content version), ``eTag`` (any change), ``file.hashes.quickXorHash`` (a hash of the
  content standing in for the real one) or ``folder.childCount``; 404 ``itemNotFound``.
- ``GET …/children``: ``value`` and ``@odata.nextLink`` pages of ``page_size`` items.
- ``GET /v1.0/drives/{d}/root/delta``: every item the first time (the root included), then
  the items changed since the link's number, each as it stands now; moved items with their
  new parent; deleted ones as ``{"id", "deleted": {"state": "deleted"}}``. Items carry
  ``parentReference.id`` but, as documented, no ``path``. Pages of ``page_size`` with
  ``@odata.nextLink``, the last with ``@odata.deltaLink``. ``expire_delta`` makes older
  links answer 410 ``resyncRequired``.
- ``GET …/content``: 302 to a pre-authenticated ``/download/{token}`` on this server (which
  wants no bearer token and refuses one, as a link to another host should never get it).
- ``PATCH /v1.0/drives/{d}/items/{i}``: new ``parentReference.id`` and/or ``name``;
  ``@microsoft.graph.conflictBehavior`` ``rename`` numbers the name ("inv 1.pdf"), ``fail``
  answers 409 ``nameAlreadyExists``. ``POST …/children`` creates a folder the same way.
- ``deny(path)``: 403 ``accessDenied`` on that item and below (the drive's feed too when it is
  the top); ``throttle(n)``: the next ``n`` calls answer 429 with ``Retry-After``;
  ``refuse_tokens``: every token answers 401, a renewed one too.

``requests`` counts the calls by route, ``calls()`` their total.
"""

import base64
import hashlib
import json
import re
import secrets
import threading
from collections import Counter
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, unquote, urlencode

from tests.fakes import http
from tests.fakes.http import Answer, LoopbackServer
from tests.fakes.oauth_provider import FakeOAuthProvider

FILES_SCOPE = "https://graph.microsoft.com/Files.ReadWrite.All"


class Reply(http.Reply):
    """Graph's error answer: ``{"error": {"code", "message"}}``."""

    def __init__(self, status: int, code: str, message: str = "", headers: dict | None = None):
        super().__init__(status, {"error": {"code": code, "message": message or code}}, headers)


@dataclass
class Item:
    id: str
    drive: str
    name: str
    parent: str  # "" for a drive's top folder
    is_folder: bool
    content: bytes = b""
    version: int = 1  # of the content (cTag)
    revision: int = 1  # of anything (eTag)
    changed: int = 0  # sequence number of the last change
    deleted: bool = False


@dataclass
class Drive:
    id: str
    name: str
    kind: str  # personal, business or documentLibrary
    root: str


@dataclass
class Site:
    id: str
    name: str
    drives: list[str]


def _new_id() -> str:
    return "01" + secrets.token_hex(8).upper()


@dataclass
class FakeGraph:
    oauth: FakeOAuthProvider
    page_size: int = 3
    base_url: str = ""
    with_hashes: bool = True  # False: files without hashes (the client falls back to cTag)
    refuse_tokens: bool = False  # every token refused (401), even a fresh one
    drives: dict[str, Drive] = field(default_factory=dict)
    items: dict[str, Item] = field(default_factory=dict)
    sites: dict[str, Site] = field(default_factory=dict)
    me: str = ""  # the signed-in user's OneDrive
    seq: int = 0
    delta_valid_from: dict[str, int] = field(default_factory=dict)
    denied: set[str] = field(default_factory=set)
    throttled: int = 0
    retry_after: int = 7
    downloads: dict[str, str] = field(default_factory=dict)
    requests: Counter[str] = field(default_factory=Counter)
    lock: threading.RLock = field(default_factory=threading.RLock)

    def reset(self) -> None:
        with self.lock:
            for name in ("drives", "items", "sites", "delta_valid_from", "downloads"):
                getattr(self, name).clear()
            self.denied.clear()
            self.requests.clear()
            self.seq, self.throttled, self.with_hashes, self.refuse_tokens = 0, 0, True, False
            self.me = self.add_drive("OneDrive", kind="business").id

    # --- what users do in OneDrive and SharePoint ----------------------------------------------

    def _tick(self, item: Item, *, content: bool = False) -> None:
        self.seq += 1
        item.changed = self.seq
        item.revision += 1
        if content:
            item.version += 1

    def add_drive(self, name: str, *, kind: str = "business") -> Drive:
        with self.lock:
            drive_id = "b!" + secrets.token_urlsafe(24)
            root = Item(_new_id(), drive_id, "root", "", True)
            self.items[root.id] = root
            self._tick(root)
            drive = Drive(drive_id, name, kind, root.id)
            self.drives[drive_id] = drive
            return drive

    def add_site(self, name: str, libraries: tuple[str, ...] = ("Documents",)) -> Site:
        """A SharePoint site the user follows, with its document libraries."""
        with self.lock:
            site_id = f"contoso.sharepoint.com,{secrets.token_hex(4)},{secrets.token_hex(4)}"
            drives = [self.add_drive(lib, kind="documentLibrary").id for lib in libraries]
            site = Site(site_id, name, drives)
            self.sites[site_id] = site
            return site

    def _drive(self, drive: str | None) -> Drive:
        return self.drives[drive or self.me]

    def find(self, path: str, drive: str | None = None) -> Item | None:
        with self.lock:
            current = self.items[self._drive(drive).root]
            for part in [p for p in path.split("/") if p]:
                found = self._child(current.id, part)
                if found is None:
                    return None
                current = found
            return current

    def get(self, path: str, drive: str | None = None) -> Item:
        found = self.find(path, drive)
        assert found is not None, path
        return found

    def _child(self, parent: str, name: str) -> Item | None:
        return next(
            (
                i
                for i in self.items.values()
                if i.parent == parent and not i.deleted and i.name.lower() == name.lower()
            ),
            None,
        )

    def location(self, path: str = "/", drive: str | None = None) -> str:
        """What our client takes as a folder: ``<drive-id>/<item-id>``."""
        item = self.get(path, drive)
        return f"{item.drive}/{item.id}"

    def mkdir(self, path: str, drive: str | None = None) -> Item:
        with self.lock:
            current = self.items[self._drive(drive).root]
            for part in [p for p in path.split("/") if p]:
                found = self._child(current.id, part)
                if found is None:
                    found = Item(_new_id(), current.drive, part, current.id, True)
                    self.items[found.id] = found
                    self._tick(found)
                current = found
            return current

    def put(self, path: str, content: bytes, drive: str | None = None) -> Item:
        """Upload a file (a new version when it is there)."""
        with self.lock:
            folder, _, name = path.rpartition("/")
            parent = self.mkdir(folder, drive)
            item = self._child(parent.id, name)
            if item is None:
                item = Item(_new_id(), parent.drive, name, parent.id, False, content)
                self.items[item.id] = item
                self._tick(item)
            else:
                item.content = content
                self._tick(item, content=True)
            return item

    def move(self, path: str, to_folder: str, drive: str | None = None) -> Item:
        with self.lock:
            item, target = self.get(path, drive), self.mkdir(to_folder, drive)
            item.parent = target.id
            self._tick(item)
            return item

    def rename(self, path: str, name: str, drive: str | None = None) -> Item:
        with self.lock:
            item = self.get(path, drive)
            item.name = name
            self._tick(item)
            return item

    def delete(self, path: str, drive: str | None = None) -> None:
        """To the recycle bin, with everything below it (each reported deleted)."""
        with self.lock:
            pending = [self.get(path, drive)]
            while pending:
                item = pending.pop()
                item.deleted = True
                self._tick(item)
                pending.extend(
                    i for i in self.items.values() if i.parent == item.id and not i.deleted
                )

    def deny(self, path: str, drive: str | None = None) -> None:
        """The user loses their permission on the item (and what is below it)."""
        with self.lock:
            self.denied.add(self.get(path, drive).id)

    def expire_delta(self, drive: str | None = None) -> None:
        """Graph no longer honours the delta links given so far (410 resyncRequired)."""
        with self.lock:
            self.delta_valid_from[self._drive(drive).id] = self.seq + 1

    def throttle(self, calls: int = 1, retry_after: int = 7) -> None:
        with self.lock:
            self.throttled, self.retry_after = calls, retry_after

    def calls(self) -> int:
        return sum(self.requests.values())

    # --- JSON ------------------------------------------------------------------------------

    def _path(self, item: Item) -> str:
        names = []
        current = item
        while current.parent:
            names.append(current.name)
            current = self.items[current.parent]
        return "/" + "/".join(reversed(names))

    def item_json(self, item: Item, *, delta: bool = False) -> dict[str, Any]:
        drive = self.drives[item.drive]
        if item.deleted:
            return {
                "id": item.id,
                "deleted": {"state": "deleted"},
                "parentReference": {"driveId": drive.id, "driveType": drive.kind},
            }
        data: dict[str, Any] = {
            "id": item.id,
            "name": item.name,
            "eTag": f'"{{{item.id}}},{item.revision}"',
            "cTag": f'"c:{{{item.id}}},{item.version}"',
        }
        if item.parent:
            reference = {"driveId": drive.id, "driveType": drive.kind, "id": item.parent}
            if not delta:  # the delta query leaves the path out
                parent_path = self._path(self.items[item.parent]).rstrip("/")
                reference["path"] = f"/drives/{drive.id}/root:{parent_path}"
            data["parentReference"] = reference
        else:
            data["root"] = {}
            data["parentReference"] = {"driveId": drive.id, "driveType": drive.kind}
        if item.is_folder:
            children = [i for i in self.items.values() if i.parent == item.id and not i.deleted]
            data["folder"] = {"childCount": len(children)}
            data["size"] = 0
        else:
            data["size"] = len(item.content)
            data["file"] = {"mimeType": "application/octet-stream"}
            if self.with_hashes:
                digest = hashlib.sha1(item.content).digest()
                data["file"]["hashes"] = {"quickXorHash": base64.b64encode(digest[:20]).decode()}
        return data

    def drive_json(self, drive: Drive) -> dict[str, Any]:
        return {"id": drive.id, "name": drive.name, "driveType": drive.kind}

    # --- HTTP ------------------------------------------------------------------------------

    def _authorise(self, headers: Any) -> None:
        token = (headers.get("Authorization") or "").removeprefix("Bearer ")
        grant = self.oauth.grant_of(token) if token else None
        if grant is None or self.refuse_tokens:
            raise Reply(401, "InvalidAuthenticationToken", "Access token has expired.")
        if FILES_SCOPE.lower() not in grant.scope.lower().split():
            raise Reply(403, "accessDenied", "Either scp or roles claim need to be present.")

    def _visible(self, drive_id: str, item_id: str) -> Item:
        drive = self.drives.get(drive_id)
        if drive is None:
            raise Reply(404, "itemNotFound", "The resource could not be found.")
        item = self.items.get(drive.root if item_id == "root" else item_id)
        if item is None or item.deleted or item.drive != drive_id:
            raise Reply(404, "itemNotFound", "The resource could not be found.")
        current: Item | None = item
        while current is not None:
            if current.id in self.denied:
                raise Reply(403, "accessDenied", "Access denied")
            current = self.items.get(current.parent) if current.parent else None
        return item

    def _page(
        self, values: list[Any], query: dict[str, str], link: str, extra: dict[str, str]
    ) -> dict[str, Any]:
        skip = int(query.get("$skiptoken") or 0)
        size = min(int(query.get("$top") or self.page_size), self.page_size)
        answer: dict[str, Any] = {"value": values[skip : skip + size]}
        if skip + size < len(values):
            answer["@odata.nextLink"] = (
                f"{self.base_url}/v1.0{link}?{urlencode({**extra, '$skiptoken': skip + size})}"
            )
        return answer

    def handle(
        self, method: str, raw_path: str, query: dict[str, str], headers: Any, body: bytes
    ) -> tuple[int, object, dict[str, str]]:
        with self.lock:
            if raw_path.startswith("/download/"):
                self.requests["GET download"] += 1
                if headers.get("Authorization"):
                    raise Reply(400, "invalidRequest", "a pre-authenticated URL wants no token")
                item = self.items.get(self.downloads.get(raw_path.removeprefix("/download/"), ""))
                if item is None or item.deleted:
                    raise Reply(404, "itemNotFound")
                return 200, item.content, {}
            if not raw_path.startswith("/v1.0/"):
                raise Reply(404, "notFound")
            path = raw_path.removeprefix("/v1.0")
            route = re.sub(r"/(drives|sites|items)/[^/]+", r"/\1/_", path.split(":")[0])
            self.requests[f"{method} {route}"] += 1
            self._authorise(headers)
            if self.throttled:
                self.throttled -= 1
                raise Reply(
                    429, "activityLimitReached", headers={"Retry-After": str(self.retry_after)}
                )
            data = json.loads(body) if body else {}
            return self._route(method, path, query, data)

    def _route(
        self, method: str, path: str, query: dict[str, str], data: dict[str, Any]
    ) -> tuple[int, object, dict[str, str]]:
        if path == "/me/drive" and method == "GET":
            return 200, self.drive_json(self.drives[self.me]), {}
        if path == "/me/followedSites" and method == "GET":
            values = [
                {"id": s.id, "displayName": s.name, "name": s.name} for s in self.sites.values()
            ]
            return 200, {"value": values}, {}
        match = re.fullmatch(r"/sites/([^/]+)/drives", path)
        if match and method == "GET":
            site = self.sites.get(unquote(match[1]))
            if site is None:
                raise Reply(404, "itemNotFound")
            values = [self.drive_json(self.drives[d]) for d in site.drives]
            return 200, {"value": values}, {}
        match = re.fullmatch(r"/drives/([^/]+)", path)
        if match and method == "GET":
            drive = self.drives.get(unquote(match[1]))
            if drive is None:
                raise Reply(404, "itemNotFound")
            return 200, self.drive_json(drive), {}
        match = re.fullmatch(r"/drives/([^/]+)/root/delta", path)
        if match and method == "GET":
            return 200, self.delta(unquote(match[1]), query), {}
        match = re.fullmatch(
            r"/drives/([^/]+)/items/([^/:]+)(?::(/[^:]*):?)?(/children|/content)?", path
        )
        if not match:
            raise Reply(400, "invalidRequest", f"not a route of this stand-in: {path}")
        drive_id, item_id = unquote(match[1]), unquote(match[2])
        relative, action = match[3], match[4] or ""
        item = self._visible(drive_id, item_id)
        if relative:
            for part in [unquote(p) for p in relative.split("/") if p]:
                found = self._child(item.id, part)
                if found is None:
                    raise Reply(404, "itemNotFound")
                item = found
        behaviour = query.get("@microsoft.graph.conflictBehavior", "")
        if action == "" and method == "GET":
            return 200, self.item_json(item), {}
        if action == "" and method == "PATCH":
            return 200, self.update(item, data, behaviour or "fail"), {}
        if action == "/children" and method == "GET":
            children = sorted(
                (i for i in self.items.values() if i.parent == item.id and not i.deleted),
                key=lambda i: i.name.lower(),
            )
            link = f"/drives/{drive_id}/items/{item.id}/children"
            extra = {k: v for k, v in query.items() if k in ("$select", "$top")}
            return 200, self._page([self.item_json(i) for i in children], query, link, extra), {}
        if action == "/children" and method == "POST":
            if "folder" not in data or not data.get("name"):
                raise Reply(400, "invalidRequest", "only folders are created here")
            name = self._free_name(item.id, str(data["name"]), behaviour or "fail")
            folder = Item(_new_id(), item.drive, name, item.id, True)
            self.items[folder.id] = folder
            self._tick(folder)
            return 201, self.item_json(folder), {}
        if action == "/content" and method == "GET":
            if item.is_folder:
                raise Reply(400, "invalidRequest", "a folder has no content")
            token = secrets.token_urlsafe(16)
            self.downloads[token] = item.id
            return 302, "", {"Location": f"{self.base_url}/download/{token}"}
        raise Reply(405, "invalidRequest", "method not allowed")

    def _free_name(self, parent: str, name: str, behaviour: str, moving: str = "") -> str:
        existing = self._child(parent, name)
        if existing is None or existing.id == moving:
            return name
        if behaviour != "rename":
            raise Reply(409, "nameAlreadyExists", "The specified item name already exists.")
        stem, dot, extension = name.rpartition(".")
        for number in range(1, 1000):
            candidate = f"{stem} {number}.{extension}" if dot and stem else f"{name} {number}"
            if self._child(parent, candidate) is None:
                return candidate
        raise Reply(409, "nameAlreadyExists")

    def update(self, item: Item, data: dict[str, Any], behaviour: str) -> dict[str, Any]:
        parent = item.parent
        reference = data.get("parentReference") or {}
        if reference.get("id"):
            target = self._visible(item.drive, str(reference["id"]))
            if not target.is_folder:
                raise Reply(400, "invalidRequest", "the new parent is not a folder")
            parent = target.id
        name = str(data.get("name") or item.name)
        item.name = self._free_name(parent, name, behaviour, moving=item.id)
        item.parent = parent
        self._tick(item)
        return self.item_json(item)

    def delta(self, drive_id: str, query: dict[str, str]) -> dict[str, Any]:
        drive = self.drives.get(drive_id)
        if drive is None:
            raise Reply(404, "itemNotFound")
        self._visible(drive_id, "root")  # 403 when the user may no longer read the drive
        token = query.get("token", "")
        since = int(token) if token.isdigit() else -1
        if since >= 0 and since < self.delta_valid_from.get(drive_id, 0):
            raise Reply(410, "resyncRequired", "Resync required. Replace any local items.")
        upto = int(query.get("upto") or self.seq)
        changed = sorted(
            (
                i
                for i in self.items.values()
                if i.drive == drive_id
                and since < i.changed <= upto
                and not (since < 0 and i.deleted)
            ),
            key=lambda i: i.changed,
        )
        link = f"/drives/{drive_id}/root/delta"
        answer = self._page(
            [self.item_json(i, delta=True) for i in changed],
            query,
            link,
            {"token": token or "latest-full", "upto": str(upto)},
        )
        if "@odata.nextLink" not in answer:
            answer["@odata.deltaLink"] = f"{self.base_url}/v1.0{link}?token={upto}"
        return answer


class Server(LoopbackServer):
    """A ``FakeGraph`` on ``127.0.0.1`` (a free port), in a thread; Graph is ``url + /v1.0``."""

    methods = ("GET", "POST", "PATCH")

    def __init__(self, fake: FakeGraph):
        super().__init__()
        self.fake = fake
        self.fake.base_url = self.url

    def answer(self, method: str, path: str, query: str, headers: Any, body: bytes) -> Answer:
        one = {k: v[0] for k, v in parse_qs(query, keep_blank_values=True).items()}
        return self.fake.handle(method, path, one, headers, body)
