"""The shipped reverse proxy (deploy/nginx/commonground.conf), run by Debian's nginx in
front of two app processes on one demo database: what a browser receives through it.

nginx runs a copy of the file with only its ports, paths and host name changed
(benchmarks/proxy.py refuses a template whose lines it cannot find), over TLS with a
certificate made for the test. Like the other browser tests, these fail instead of
skipping when CI=true and nginx or Chromium is missing.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import http.client
import os
import re
import ssl
import time
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from benchmarks.proxy import NGINX, ProxyDidNotStart, proxying, wait_for_page_under_csp
from tests.browser.conftest import serving
from tests.conftest import need
from ui.auth import LOCAL_MODE_ENV

pytestmark = pytest.mark.proxy

CSP = (
    "default-src 'self'; "
    "script-src 'self' 'sha256-THxz9J9+wf7rhwR2YkXJoSZ13UCmYyC+3lNDv2+8ugA=' 'wasm-unsafe-eval'; "
    "style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; font-src 'self' data:; "
    "connect-src 'self'; worker-src 'self' blob:; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'none'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Strict-Transport-Security": "max-age=31536000; includeSubDomains",
    "X-Content-Type-Options": "nosniff",
}
# Records every Content-Security-Policy refusal in the page, before the page's own scripts run.
RECORD_VIOLATIONS = """
window.__violations = [];
document.addEventListener('securitypolicyviolation',
  e => window.__violations.push(e.violatedDirective + ' blocked ' + (e.blockedURI || 'inline')));
"""


@dataclass(frozen=True)
class Reply:
    status: int
    headers: http.client.HTTPMessage
    body: bytes


@dataclass(frozen=True)
class Proxied:
    base: str  # https://127.0.0.1:PORT, through nginx
    plain: str  # http://127.0.0.1:PORT, nginx's redirecting listener
    apps: tuple[str, str]  # the two app processes, directly
    tls: ssl.SSLContext  # trusts the test's certificate, and checks it
    access_log: Path

    def get(self, path: str, **headers: str) -> Reply:
        """GET through the proxy (headers given as Accept_Encoding="gzip"); any status is
        returned, not raised."""
        connection = http.client.HTTPSConnection(urlsplit(self.base).netloc, context=self.tls, timeout=30)
        try:
            connection.request("GET", path, headers={k.replace("_", "-"): v for k, v in headers.items()})
            response = connection.getresponse()
            return Reply(response.status, response.headers, response.read())
        finally:
            connection.close()

    def log(self) -> list[dict[str, str]]:
        """nginx's access log: request, status, route key and upstream of each line."""
        pattern = r'"(?P<request>[^"]*)" (?P<status>\d+) \d+ route=(?P<route>\S+) upstream=(?P<upstream>\S+)'
        return [m.groupdict() for m in re.finditer(pattern, self.access_log.read_text())]


@pytest.fixture(scope="module")
def proxied(demo_url, tmp_path_factory) -> Iterator[Proxied]:
    if not os.path.exists(NGINX):
        need(f"no nginx at {NGINX} (apt-get install nginx)")
    folder = tmp_path_factory.mktemp("proxy")
    with (
        # no identity provider here: the operator allows local mode on purpose (behind a
        # proxy it is refused otherwise, see the last test)
        pytest.MonkeyPatch.context() as patch,
        patch_env(patch),
        serving(demo_url, folder / "first.log") as first,
        serving(demo_url, folder / "second.log") as second,
    ):
        ports = [urlsplit(base).port for base in (first, second)]
        try:
            with proxying(ports, folder / "nginx") as (base, plain, certificate):
                tls = ssl.create_default_context(cafile=str(certificate))
                yield Proxied(base, plain, (first, second), tls, folder / "nginx" / "commonground.access.log")
        except ProxyDidNotStart as failed:
            pytest.fail(str(failed))


@contextmanager
def patch_env(patch: pytest.MonkeyPatch) -> Iterator[None]:
    patch.setenv(LOCAL_MODE_ENV, "1")
    yield


@pytest.fixture
def context(browser):
    """A browser context that accepts the test's self-signed certificate (nothing else is
    relaxed: the page's Content-Security-Policy applies)."""
    context = browser.new_context(ignore_https_errors=True, viewport={"width": 1600, "height": 1000})
    yield context
    context.close()


def _assert_security_headers(response: Reply, what: str) -> None:
    for name, value in SECURITY_HEADERS.items():
        assert response.headers.get_all(name) == [value], f"{what}: {name}"


def test_page_static_files_and_errors_carry_the_security_headers(proxied):
    page = proxied.get("/")
    html = page.body.decode()
    assert page.status == 200
    assert '<div id="root">' in html  # Streamlit's page, from an app process
    _assert_security_headers(page, "the page")
    assert page.headers["Server"] == "nginx"  # no version, and not the app server's name
    for inline in re.findall(r"<script>(.*?)</script>", html, flags=re.S):  # allowed by its hash
        digest = base64.b64encode(hashlib.sha256(inline.encode()).digest()).decode()
        assert f"'sha256-{digest}'" in CSP, f"Streamlit's inline script changed: allow 'sha256-{digest}'"
    script = re.search(r'src="\./(static/js/index\.[^"]+\.js)"', html).group(1)
    asset = proxied.get(f"/{script}")
    assert asset.status == 200
    assert asset.headers["Content-Type"] == "application/javascript"
    assert len(asset.body) > 100_000
    _assert_security_headers(asset, "a static script")
    missing = proxied.get("/_stcore/metrics")
    _assert_security_headers(missing, "a refused request")


def test_scripts_are_compressed_for_browsers_that_ask(proxied):
    html = proxied.get("/").body.decode()
    name = re.search(r"static/js/index\.[^\"]+\.js", html).group(0)
    plain, compressed = proxied.get(f"/{name}"), proxied.get(f"/{name}", Accept_Encoding="gzip")
    assert plain.headers["Content-Encoding"] is None
    assert compressed.headers["Content-Encoding"] == "gzip"
    assert len(gzip.decompress(compressed.body)) == len(plain.body) > 2 * len(compressed.body)


def test_the_metrics_endpoint_is_not_served_however_it_is_spelled(proxied):
    # the app closes it itself too (web/guard.py), so the proxy's rule is the second lock
    with pytest.raises(urllib.error.HTTPError) as direct:
        urllib.request.urlopen(f"{proxied.apps[0]}/_stcore/metrics")  # noqa: S310 - loopback
    direct.value.close()
    assert direct.value.code == 404
    for path in (
        "/_stcore/metrics",
        "/_stcore/metrics/",
        "/_stcore/metrics?format=text",
        "/_stcore//metrics",
        "/_stcore/%6Detrics",
    ):
        response = proxied.get(path)
        assert response.status == 404, path
        assert b"session_events" not in response.body, path
    # Streamlit's routes are case-sensitive: this spelling gets the page, not the metrics
    assert b"session_events" not in proxied.get("/_STCORE/metrics").body


def test_plain_http_is_sent_to_https(proxied):
    connection = http.client.HTTPConnection(urlsplit(proxied.plain).netloc, timeout=30)
    try:
        connection.request("GET", "/partnership?code=RIV-EAST-SCHOOLS")
        response = connection.getresponse()
        response.read()
    finally:
        connection.close()
    assert response.status == 301
    assert response.headers["Location"] == "https://localhost/partnership?code=RIV-EAST-SCHOOLS"


def test_each_browser_keeps_its_process_and_new_browsers_use_both(proxied):
    first = proxied.get("/")
    cookie = first.headers["Set-Cookie"]
    assert re.fullmatch(r"commonground_route=[0-9a-f]{32}; Path=/; Secure; HttpOnly; SameSite=Lax", cookie)
    key = cookie.split(";")[0]
    for path in ("/", "/partnership", "/_stcore/health", "/favicon.png"):
        again = proxied.get(path, Cookie=key)
        cookies = again.headers.get_all("Set-Cookie") or []
        assert not [c for c in cookies if c.startswith("commonground_route=")]  # a browser keeps its key
        for streamlits in cookies:  # the app's own (its XSRF token), made Secure by the proxy
            assert "; Secure" in streamlits, streamlits
    for _ in range(20):  # browsers without a key: each gets a new one
        proxied.get("/_stcore/health")
    lines = proxied.log()
    served_by: dict[str, set[str]] = {}
    for line in lines:
        served_by.setdefault(line["route"], set()).add(line["upstream"])
    route = key.split("=")[1]
    assert len(served_by[route]) == 1  # its first request included
    apps = {f"127.0.0.1:{urlsplit(app).port}" for app in proxied.apps}
    fresh = {upstream for line in lines[-20:] for upstream in served_by[line["route"]]}
    assert fresh == apps  # 20 new keys, both processes (chance of one only: 2 in a million)


@pytest.mark.browser
def test_chromium_draws_the_overview_through_the_proxy_with_no_policy_errors(proxied, context):
    """The page's scripts, its WebSocket (the charts come over it) and Plotly all work under
    the proxy's Content-Security-Policy, and every request of the browser reaches one process."""
    context.add_init_script(RECORD_VIOLATIONS)
    page = context.new_page()
    console = []
    page.on("console", lambda message: console.append(f"{message.type}: {message.text}"))
    page.on("pageerror", lambda error: console.append(f"pageerror: {error}"))
    page.goto(f"{proxied.base}/")
    wait_for_page_under_csp(page, "/")
    assert page.get_by_role("heading", name="Partnerships overview").is_visible()
    assert page.locator(".js-plotly-plot .main-svg").count() >= 2
    assert page.locator(".js-plotly-plot .scatterlayer .trace").count() >= 2  # drawn, not empty
    page.goto(f"{proxied.base}/partnership")
    wait_for_page_under_csp(page, "/partnership")
    assert page.get_by_role("heading", name="Did it work?").is_visible()

    violations = page.evaluate("window.__violations")
    policy_errors = [line for line in console if re.search("Content.Security.Policy", line)]
    assert violations == [], f"{violations}\n{console}"
    assert policy_errors == [], "\n".join(console)
    assert not [line for line in console if line.startswith("pageerror")], "\n".join(console)

    route = next(c["value"] for c in context.cookies() if c["name"] == "commonground_route")
    page.close()  # nginx logs a WebSocket when it closes

    def mine() -> list[dict[str, str]]:
        return [line for line in proxied.log() if line["route"] == route]

    for _ in range(50):
        sockets = [line["status"] for line in mine() if "/_stcore/stream" in line["request"]]
        if len(sockets) == 2:
            break
        time.sleep(0.1)
    assert sockets == ["101", "101"]  # one WebSocket per page, both upgraded through the proxy
    mine = mine()
    assert len({line["upstream"] for line in mine}) == 1, Counter(line["upstream"] for line in mine)
    assert len(mine) > 50  # the page, its scripts, fonts, the WebSocket


@pytest.mark.browser
def test_another_site_cannot_frame_the_dashboard(proxied, context):
    """A page elsewhere frames the dashboard through the proxy, and an app process directly
    (which refuses framing itself, web/guard.py); as a control, a frame of its own
    content shows that the page can frame at all. Neither dashboard frame shows the app."""
    page = context.new_page()
    console = []
    page.on("console", lambda message: console.append(message.text))
    page.set_content(
        f'<iframe name="proxied" src="{proxied.base}/"></iframe>'
        f'<iframe name="direct" src="{proxied.apps[0]}/"></iframe>'
        '<iframe name="control" srcdoc="<p id=root>framed</p>"></iframe>'
    )
    page.frame(name="control").wait_for_selector("#root", state="attached", timeout=30_000)
    page.wait_for_timeout(3000)
    for name, base in (("proxied", proxied.base), ("direct", proxied.apps[0])):
        framed = page.frame(name=name)
        assert not framed.url.startswith(base), framed.url  # Chromium's error page instead
        assert framed.evaluate("document.querySelector('#root')") is None, name
    assert any("frame-ancestors 'none'" in line for line in console), console


@pytest.mark.browser
def test_an_upload_larger_than_nginxs_default_reaches_the_sessions_process(proxied, context, tmp_path):
    """Uploads go to the process holding the browser's session, with Streamlit's XSRF cookie
    (made Secure by the proxy); a 2 MB file passes (nginx alone would refuse more than 1 MB)."""
    from tests.browser.conftest import choose, idle

    mapping = tmp_path / "crime.toml"
    mapping.write_text(
        'kind = "crime"\nsource = "upload"\n[columns]\nsource_id = "id"\noccurred = "date"\n'
        'area = "area"\ncategory = "offence"\n[groups]\n"Robbery" = "violent"\n'
    )
    data = tmp_path / "crime.csv"
    data.write_text(
        "id,date,area,offence\n" + "".join(f"U{n},2024-01-05,Area A,Robbery\n" for n in range(70_000))
    )
    assert data.stat().st_size > 2_000_000
    page = context.new_page()
    page.goto(f"{proxied.base}/data")
    page.get_by_role("heading", name="Import a file").wait_for(timeout=60_000)
    choose(page, "What the file holds", "crime")
    choose(page, "How to read it", "(my own mapping file)")
    uploader = page.get_by_test_id("stFileUploader")
    for name, path in (("Mapping file", mapping), ("Data file", data)):  # as patient as the other waits
        idle(page)  # each upload reruns the page: the next one waits until that run is over
        box = uploader.filter(has_text=name).locator('input[type="file"]')
        box.wait_for(state="attached", timeout=60_000)
        box.set_input_files(str(path), timeout=60_000)
    page.get_by_text("The first rows as the mapping reads them").wait_for(timeout=120_000)
    route = next(c["value"] for c in context.cookies() if c["name"] == "commonground_route")
    uploads = [line for line in proxied.log() if "/_stcore/upload_file/" in line["request"]]
    assert len(uploads) == 2, uploads
    assert {line["status"] for line in uploads} <= {"200", "204"}, uploads
    assert {line["route"] for line in uploads} == {route}


@pytest.mark.browser
def test_local_mode_is_refused_through_a_proxy(demo_url, tmp_path, browser, monkeypatch):
    """An app on loopback with no sign-in configured gives full access to its own machine;
    reached through the proxy it refuses, because the proxy listens beyond the machine."""
    monkeypatch.delenv(LOCAL_MODE_ENV, raising=False)  # the other tests' apps allow it on purpose
    with serving(demo_url, tmp_path / "app.log") as app:
        try:
            with proxying([urlsplit(app).port], tmp_path / "nginx") as (base, _plain, _certificate):
                context = browser.new_context(ignore_https_errors=True)
                try:
                    page = context.new_page()
                    page.goto(base)
                    page.get_by_text("Local mode gives full access").wait_for(timeout=60_000)
                    assert page.get_by_role("heading", name="Partnerships overview").count() == 0
                finally:
                    context.close()
        except ProxyDidNotStart as failed:
            pytest.fail(str(failed))
