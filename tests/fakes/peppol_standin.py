"""`make run`'s development stand-in of the Peppol network, in one process: the access point
(Recommand's API, ``tests.fakes.recommand``), the SML zone (DNS) and an SMP
(``tests.fakes.peppol_network``), all on loopback. Never used in production: the settings
refuse PEPPOL_STANDIN outside DEBUG, and every page that mentions Peppol says it is a stand-in.

Its state (companies, documents, participants) is kept in a JSON file, so that a restart of
`make run` finds the demo company it registered. ``POST /__control/sml {participant,
documentTypes}`` puts a participant on the stand-in network.
"""

import argparse
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.fakes.peppol_network import Sml, Smp, sml_server
from tests.fakes.recommand import FakeRecommand, Reply, Server, failure

KEPT = ("companies", "identifiers", "migrations", "documents", "participants")


@dataclass
class StandIn(FakeRecommand):
    state_path: Path | None = None
    sml: Sml | None = None
    smp: Smp | None = None

    def control(self, method: str, name: str, body: bytes) -> object:
        if method == "POST" and name == "sml":
            data = self.json(body)
            if not isinstance(data, dict) or not data.get("participant"):
                raise Reply(400, failure("participant is needed"))
            participant = str(data["participant"]).lower()
            types = [str(t) for t in data.get("documentTypes") or []]
            assert self.sml is not None
            assert self.smp is not None
            self.sml.register(participant, self.smp.url)
            self.smp.document_types[participant] = types
            self.participants[participant] = types
            self.save()
            return {"ok": True}
        answer = super().control(method, name, body)
        self.save()
        return answer

    def handle(self, *args: Any, **kwargs: Any) -> tuple[int, object]:
        try:
            return super().handle(*args, **kwargs)
        finally:
            self.save()

    def save(self) -> None:
        if self.state_path is None:
            return
        with self.lock:
            data = {name: getattr(self, name) for name in KEPT}
            text = json.dumps(data, ensure_ascii=False)
        temporary = self.state_path.with_suffix(".tmp")
        temporary.write_text(text, encoding="utf-8")
        temporary.replace(self.state_path)

    def load(self) -> None:
        if self.state_path is None or not self.state_path.exists():
            return
        data = json.loads(self.state_path.read_text(encoding="utf-8"))
        for name in KEPT:
            value = data.get(name)
            if isinstance(value, type(getattr(self, name))):
                setattr(self, name, value)
        assert self.sml is not None
        assert self.smp is not None
        for participant, types in self.participants.items():
            self.sml.register(participant, self.smp.url)
            self.smp.document_types[participant] = list(types)


def main() -> None:
    parser = argparse.ArgumentParser(description="make run's stand-in of the Peppol network")
    parser.add_argument("--port", type=int, default=8025)
    parser.add_argument("--dns-port", type=int, default=8053)
    parser.add_argument("--zone", required=True)
    parser.add_argument("--webhook-url", default="")
    parser.add_argument("--secret", default="")
    parser.add_argument("--api-key", default="key_standin")
    parser.add_argument("--api-secret", default="secret_standin")
    parser.add_argument("--state", type=Path, default=None)
    options = parser.parse_args()
    sml, smp = Sml(options.zone), Smp()
    dns = sml_server(sml, port=options.dns_port)
    standin = StandIn(
        api_key=options.api_key,
        api_secret=options.api_secret,
        webhook_secret=options.secret,
        webhook_url=options.webhook_url,
        state_path=options.state,
        sml=sml,
        smp=smp,
    )
    standin.load()
    server = Server(standin, port=options.port)
    print(
        f"Peppol stand-in (development only): access point {server.api_url}, "
        f"SML zone {options.zone} on DNS 127.0.0.1:{options.dns_port}, SMP {smp.url}",
        flush=True,
    )
    try:
        server.serve()
    finally:
        dns.stop()
        smp.stop()


if __name__ == "__main__":
    main()
