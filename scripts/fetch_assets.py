"""Fetch the front-end assets from the npm registry at setup, verified by their integrity hash.

Nothing is loaded from a CDN at run time: the files land in ``static/vendor/`` (git-ignored)
and are served by the app itself. Pure Python, so a fresh machine needs no Node.js. Bump a
version by changing ASSETS (integrity: ``npm view PKG@VERSION dist.integrity``).
"""

import base64
import hashlib
import io
import sys
import tarfile
import urllib.request
from pathlib import Path

REGISTRY = "https://registry.npmjs.org"
ROOT = Path(__file__).resolve().parent.parent
VENDOR = ROOT / "static" / "vendor"

ASSETS = [
    {
        "package": "htmx.org",
        "version": "2.0.11",
        "integrity": "sha512-Thx/WtpeOQqSrqBCw/A1cwGJGg4UrVa3+sW0GmrM3p4gJgO89ecH4qtbnyzDDWFvBTqjnIMCgELTNt636dtamA==",
        "files": {"package/dist/htmx.min.js": "htmx.min.js"},
    },
    {
        "package": "@picocss/pico",
        "version": "2.1.1",
        "integrity": "sha512-kIDugA7Ps4U+2BHxiNHmvgPIQDWPDU4IeU6TNRdvXQM1uZX+FibqDQT2xUOnnO2yq/LUHcwnGlu1hvf4KfXnMg==",
        "files": {"package/css/pico.min.css": "pico.min.css"},
    },
    {
        # the Cash flow page's charts (the UMD build: one file, no bundler, no inline code)
        "package": "chart.js",
        "version": "4.6.2",
        "integrity": "sha512-xachB+pPHjp0syJi7llUBA1w3kMYl6NF3o7eVrvjnWCT+IB2zMaF2pX5UYDiwbbfsioFEIRnAjreNOMsGj5TIA==",
        "files": {"package/dist/chart.umd.min.js": "chart.umd.js"},
    },
]


def _tarball_url(package: str, version: str) -> str:
    name = package.split("/")[-1]
    return f"{REGISTRY}/{package}/-/{name}-{version}.tgz"


def _stamp(asset: dict) -> str:
    return f"{asset['package']}@{asset['version']} {asset['integrity']}\n"


def fetch(asset: dict) -> None:
    stamp_file = VENDOR / f".{asset['package'].replace('/', '_')}.stamp"
    targets = [VENDOR / dest for dest in asset["files"].values()]
    if (
        stamp_file.exists()
        and stamp_file.read_text() == _stamp(asset)
        and all(t.exists() for t in targets)
    ):
        return
    url = _tarball_url(asset["package"], asset["version"])
    with urllib.request.urlopen(url, timeout=60) as response:  # noqa: S310 - fixed https URL
        data = response.read()
    algorithm, expected = asset["integrity"].split("-", 1)
    actual = base64.b64encode(hashlib.new(algorithm, data).digest()).decode()
    if actual != expected:
        sys.exit(f"Integrity mismatch for {asset['package']}@{asset['version']}; refusing it.")
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as archive:
        for member_name, dest in asset["files"].items():
            extracted = archive.extractfile(member_name)
            if extracted is None:
                sys.exit(f"{member_name} missing from {asset['package']}")
            (VENDOR / dest).write_bytes(extracted.read())
    stamp_file.write_text(_stamp(asset))
    print(f"fetched {asset['package']}@{asset['version']}")


def main() -> None:
    VENDOR.mkdir(parents=True, exist_ok=True)
    for asset in ASSETS:
        fetch(asset)


if __name__ == "__main__":
    main()
