"""The shipped nginx configuration (deploy/nginx/commonground.conf), run for real in front of
app processes on this machine: for the proxy test and the load benchmark.

`runnable_copy` rewrites the template's host name, ports, certificate and log paths, and
refuses a template whose lines it cannot find, so the copy tested is the file shipped.
`proxying` runs nginx as the current user with every path in a folder of its own.
"""

from __future__ import annotations

import datetime
import ipaddress
import os
import pwd
import re
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from benchmarks.server import PAGE_READY, ROOT, SETTLED, free_port

TEMPLATE = ROOT / "deploy" / "nginx" / "commonground.conf"
HOST = "localhost"  # the certificate's name; the browser still connects to 127.0.0.1
NGINX = os.environ.get("NGINX_PATH") or shutil.which("nginx") or "/usr/sbin/nginx"


class ProxyDidNotStart(RuntimeError):
    """nginx refused the configuration or did not listen in time; the message ends with its log."""


def _swap(text: str, pattern: str, replacement: str, count: int) -> str:
    """`text` with `pattern` (a regular expression) replaced exactly `count` times."""
    new, found = re.subn(pattern, replacement, text, flags=re.M)
    if found != count:
        raise ValueError(f"{TEMPLATE.name}: expected {count} match(es) of {pattern!r}, found {found}")
    return new


def runnable_copy(
    upstreams: list[int], https_port: int, http_port: int, folder: Path, certificate: Path, key: Path
) -> str:
    """The template with its app processes on `upstreams` (ports on 127.0.0.1), listening on
    127.0.0.1 only, its certificate and log in `folder`, and HOST as its name."""
    text = TEMPLATE.read_text()
    text = _swap(text, r"server_name dashboard\.example\.org;", f"server_name {HOST};", 2)
    servers = "".join(f"    server 127.0.0.1:{port};\n" for port in upstreams)
    text = _swap(text, r"(    server 127\.0\.0\.1:850\d;\n)+", servers, 1)
    text = _swap(text, r"^    listen \[::\]:.*\n", "", 2)  # IPv4 loopback only
    text = _swap(text, r"listen 443 ", f"listen 127.0.0.1:{https_port} ", 1)
    text = _swap(text, r"listen 80;", f"listen 127.0.0.1:{http_port};", 1)
    text = _swap(text, r"ssl_certificate /\S+;", f"ssl_certificate {certificate};", 1)
    text = _swap(text, r"ssl_certificate_key /\S+;", f"ssl_certificate_key {key};", 1)
    return _swap(text, r"access_log /var/log/nginx/", f"access_log {folder}/", 1)


def self_signed(folder: Path) -> tuple[Path, Path]:
    """A one-day certificate for HOST and 127.0.0.1, and its key, written into `folder`.
    (cryptography comes with streamlit[auth], through Authlib.)"""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, HOST)])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName(HOST), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "fullchain.pem", folder / "privkey.pem"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    key_path.chmod(0o600)
    return cert_path, key_path


def _main_config(folder: Path, site: Path) -> str:
    """nginx.conf around the site file: in the foreground, every path in `folder`."""
    kinds = ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    temp = "\n".join(f"    {kind}_temp_path {folder / kind};" for kind in kinds)
    # As root, nginx's workers would drop to `nobody`, who cannot write to `folder`.
    user = f"user {pwd.getpwuid(os.geteuid()).pw_name};\n" if os.geteuid() == 0 else ""
    return (
        f"{user}daemon off;\nworker_processes 1;\npid {folder / 'nginx.pid'};\n"
        f"error_log {folder / 'error.log'} warn;\n"
        "events { worker_connections 4096; }\n"
        f"http {{\n{temp}\n    access_log off;\n    include {site};\n}}\n"
    )


@contextmanager
def proxying(upstreams: list[int], folder: Path) -> Iterator[tuple[str, str, Path]]:
    """nginx with the shipped configuration in front of the app processes on `upstreams`;
    yields the HTTPS base URL, the plain-HTTP base URL and the certificate to trust.
    The access log, in the template's format, is `folder / "commonground.access.log"`."""
    folder.mkdir(parents=True, exist_ok=True)
    certificate, key = self_signed(folder)
    https_port, http_port = free_port(), free_port()
    site = folder / "commonground.conf"
    site.write_text(runnable_copy(upstreams, https_port, http_port, folder, certificate, key))
    main = folder / "nginx.conf"
    main.write_text(_main_config(folder, site))
    command = [NGINX, "-p", str(folder), "-c", str(main), "-e", str(folder / "error.log")]
    check = subprocess.run([*command, "-t"], capture_output=True, text=True, check=False)
    if check.returncode != 0:
        raise ProxyDidNotStart(f"nginx -t refused the configuration: {check.stderr[-2000:]}")
    log = folder / "nginx.out"
    with open(log, "w") as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 15
        while True:
            try:
                socket.create_connection(("127.0.0.1", https_port), timeout=1).close()
                break
            except OSError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                errors = (folder / "error.log").read_text() if (folder / "error.log").exists() else ""
                raise ProxyDidNotStart(f"nginx did not listen: {log.read_text()[-1000:]}{errors[-1000:]}")
            time.sleep(0.1)
        yield f"https://127.0.0.1:{https_port}", f"http://127.0.0.1:{http_port}", certificate
    finally:
        process.terminate()  # SIGTERM: nginx's fast shutdown
        process.wait(timeout=20)


def wait_for_page_under_csp(page, path: str, timeout_ms: int = 120_000) -> None:
    """benchmarks.server.wait_for_page for a page under the proxy's Content-Security-Policy:
    Playwright's wait_for_function evaluates its predicate with eval() inside the page, which
    the policy forbids, so the same PAGE_READY and SETTLED checks are polled from here."""
    deadline = time.monotonic() + timeout_ms / 1000
    for expression in (PAGE_READY[path.split("?")[0]], SETTLED):
        while not page.evaluate(f"!!({expression})"):
            if time.monotonic() > deadline:
                raise TimeoutError(f"{path} was not drawn within {timeout_ms / 1000:.0f} s")
            page.wait_for_timeout(200)
    page.wait_for_timeout(1000)
