"""Start the test OpenID Connect provider (this folder's Django project) as a real process on a free
loopback port, and read the HTML forms a browser would fill in on the way through it."""

import json
import os
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

ROOT = Path(__file__).resolve().parents[2]
SETTINGS = "tests.oidc_idp.settings"
HIGH_ACR = "urn:example:loa:high"  # the acr claims.py gives users in the "acr-high" group


@dataclass
class RunningProvider:
    url: str
    process: subprocess.Popen

    @property
    def issuer(self) -> str:
        return f"{self.url}/o"

    @property
    def discovery_url(self) -> str:
        return f"{self.issuer}/.well-known/openid-configuration"

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _signing_key_pem() -> str:
    """A fresh RS256 key for this run: the provider signs ID tokens with it and publishes it in JWKS."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()


def start_provider(data_dir: Path, *, client: dict, users: list[dict]) -> RunningProvider:
    port = _free_port()
    (data_dir / "signing-key.pem").write_text(_signing_key_pem())
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL"))}
    env.update(
        IDP_DIR=str(data_dir), IDP_PORT=str(port), PYTHONPATH=str(ROOT), DJANGO_SETTINGS_MODULE=SETTINGS
    )
    spec = json.dumps({"client": client, "users": users})
    subprocess.run(
        [sys.executable, "-m", "tests.oidc_idp.seed", spec], cwd=ROOT, env=env, check=True, timeout=120
    )
    log = (data_dir / "provider.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "django", "runserver", f"127.0.0.1:{port}", "--noreload"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    running = RunningProvider(url=f"http://127.0.0.1:{port}", process=process)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError((data_dir / "provider.log").read_text())
        try:
            if requests.get(running.discovery_url, timeout=2).status_code == 200:
                return running
        except requests.ConnectionError:
            pass
        time.sleep(0.2)
    running.stop()
    raise RuntimeError("the test OpenID provider did not start: " + (data_dir / "provider.log").read_text())


class FormReader(HTMLParser):
    """The first form on a page (or the one with ``form_id``): its action and its inputs' values."""

    def __init__(self, html: str, form_id: str | None = None) -> None:
        super().__init__()
        self.form_id = form_id
        self.inside = False
        self.done = False
        self.action: str | None = None
        self.fields: dict[str, str] = {}
        self.links: dict[str, str] = {}
        self._link: str | None = None
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = {name: value or "" for name, value in attrs}
        if tag == "form" and not self.done and (self.form_id is None or attributes.get("id") == self.form_id):
            self.inside = True
            self.action = attributes.get("action", "")
        elif tag == "input" and self.inside and attributes.get("name") and attributes.get("type") != "submit":
            self.fields[attributes["name"]] = attributes.get("value", "")
        elif tag == "a":
            self._link = attributes.get("href")

    def handle_data(self, data: str) -> None:
        if self._link is not None and data.strip():
            self.links[" ".join(data.split())] = self._link

    def handle_endtag(self, tag: str) -> None:
        if tag == "form" and self.inside:
            self.inside = False
            self.done = True
        elif tag == "a":
            self._link = None
