"""``befolkning hamta`` against hostile and odd servers on 127.0.0.1, and the PxWeb v1 fallback.

Probe defects D10 (N_trickle, N_trickle2, N_huge, N_manycats5000, N_nan, N_inf, N_deepjson,
N_bigint, N06, N_redirectloop): each case runs the CLI in a subprocess under a time and
memory cap and expects one ``Error:`` line, exit 2.
"""

from __future__ import annotations

import json
import threading
import time
import urllib.parse
from collections.abc import Iterator
from http.server import ThreadingHTTPServer
from pathlib import Path

import pytest

from tests.fake_http import QuietHandler
from tests.robustness.harness import assert_one_line_error, run_capped
from xl_tools import scb
from xl_tools.errors import XlToolsError
from xl_tools.regions import REGIONS

# Subprocesses under time and memory caps: the slow tier (left out by make test-fast).
pytestmark = pytest.mark.slow

FIXTURES = Path(__file__).parent / "fixtures"
V2 = Path(__file__).parents[1] / "fixtures" / "scb"
META = json.loads((V2 / "TAB1267_metadata.json").read_text(encoding="utf-8"))
DATA = json.loads((V2 / "TAB1267_data_2017.json").read_text(encoding="utf-8"))
V1_META = json.loads((FIXTURES / "FolkmangdNov_v1_metadata.json").read_text(encoding="utf-8"))
V1_DATA = json.loads((FIXTURES / "FolkmangdNov_v1_data_2017.json").read_text(encoding="utf-8"))
EXPECTED_2017 = {r.code: DATA["value"][2 * i] + DATA["value"][2 * i + 1] for i, r in enumerate(REGIONS)}


def _renamed_meta() -> dict:
    """v2 metadata whose dimensions have other names (found by role) and whose region list
    also holds municipalities: the codes must come from the metadata, not be assumed."""
    meta = json.loads(json.dumps(META))
    meta["id"] = ["Lan" if d == "Region" else "Ar" if d == "Tid" else d for d in meta["id"]]
    dims = meta["dimension"]
    dims["Lan"] = dims.pop("Region")
    dims["Ar"] = dims.pop("Tid")
    dims["Lan"]["category"]["index"]["0114"] = len(dims["Lan"]["category"]["index"])
    dims["Lan"]["category"]["label"]["0114"] = "Upplands Väsby"
    meta["size"][0] += 1
    meta["role"] = {"geo": ["Lan"], "time": ["Ar"], "metric": ["ContentsCode"]}
    return meta


def _renamed_data() -> dict:
    data = json.loads(json.dumps(DATA))
    data["id"] = ["Lan" if d == "Region" else "Ar" if d == "Tid" else d for d in data["id"]]
    data["dimension"]["Lan"] = data["dimension"].pop("Region")
    data["dimension"]["Ar"] = data["dimension"].pop("Tid")
    return data


class Handler(QuietHandler):
    requests: list[tuple[str, str, bytes]] = []

    def _json(self, obj: object) -> None:
        self._send(200, json.dumps(obj).encode())

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length)
        self.requests.append(("POST", self.path, body))
        mode, rest = self.path.lstrip("/").split("/", 1)
        if mode == "v2down" and rest == "v1/" + scb.V1_TABLE:
            query = json.loads(body)
            codes = {q["code"]: q["selection"]["values"] for q in query["query"]}
            ok = (codes.get("ContentsCode") == ["BE0101A9"] and codes.get("Tid") == ["2017"]
                  and codes.get("Region") == [r.code for r in REGIONS] and query["response"]["format"] == "json-stat2")
            if ok:
                self._json(V1_DATA)
            else:
                self._send(400, json.dumps({"error": "bad query", "got": query}).encode())
            return
        self._send(404, b"{}")

    def do_GET(self) -> None:  # noqa: C901 - one branch per hostile mode
        self.requests.append(("GET", self.path, b""))
        parsed = urllib.parse.urlsplit(self.path)
        mode, rest = parsed.path.lstrip("/").split("/", 1)
        if mode == "v2down" and rest == "v1/" + scb.V1_TABLE:
            self._json(V1_META)
            return
        is_meta = rest.endswith("/metadata")
        if mode == "v2down":
            self._send(503, b'{"title": "Service Unavailable"}')
        elif mode == "renamed":
            self._json(_renamed_meta() if is_meta else _renamed_data())
        elif mode == "ok":
            self._json(META if is_meta else DATA)
        elif mode == "trickle":  # headers, then one byte every 0.2 s, forever
            self.send_response(200)
            self.send_header("Content-Length", "1000000")
            self.end_headers()
            try:
                for _ in range(600):
                    self.wfile.write(b" ")
                    self.wfile.flush()
                    time.sleep(0.2)
            except OSError:
                pass
        elif mode == "slowheaders":  # the status line itself, one byte at a time
            try:
                for byte in b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n":
                    self.wfile.write(bytes([byte]))
                    self.wfile.flush()
                    time.sleep(0.2)
            except OSError:
                pass
            self.close_connection = True
        elif mode == "huge":  # no Content-Length, 40 MB as fast as possible
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            try:
                for _ in range(40):
                    self.wfile.write(b"[" + b" " * (1 << 20))
            except OSError:
                pass
            self.close_connection = True
        elif mode == "hugelength":
            self.send_response(200)
            self.send_header("Content-Length", str(3 << 30))
            self.end_headers()
        elif mode == "deepjson":
            self._send(200, b"[" * 200_000 + b"]" * 200_000)
        elif mode == "bigint":
            body = json.dumps(META if is_meta else DATA).encode()
            if not is_meta:
                body = body.replace(str(DATA["value"][0]).encode(), b"9" * 5000, 1)
            self._send(200, body)
        elif mode in ("nan", "inf", "nanstring"):
            if is_meta:
                self._json(META)
                return
            token = {"nan": b"NaN", "inf": b"Infinity", "nanstring": b'"nan"'}[mode]
            body = json.dumps(DATA).encode().replace(str(DATA["value"][0]).encode(), token, 1)
            self._send(200, body)
        elif mode == "manycats":
            if is_meta:
                self._json(META)
                return
            data = json.loads(json.dumps(DATA))
            data["id"] = ["Region", "A", "B"]
            data["size"] = [21, 5000, 5000]
            data["dimension"] = {"Region": DATA["dimension"]["Region"],
                                 "A": {"category": {"index": [str(i) for i in range(5000)]}},
                                 "B": {"category": {"index": [str(i) for i in range(5000)]}}}
            data["value"] = {"0": 1}
            self._json(data)
        elif mode in ("redirectftp", "redirectfile"):
            self.send_response(302)
            self.send_header("Location", "ftp://127.0.0.1:9/x" if mode == "redirectftp" else "file:///etc/passwd")
            self.send_header("Content-Length", "0")
            self.end_headers()
        elif mode == "redirectloop":
            self.send_response(302)
            self.send_header("Location", self.path)
            self.send_header("Content-Length", "0")
            self.end_headers()
        else:
            self._send(404, b"{}")


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()


@pytest.fixture
def data_env(tmp_path: Path) -> dict[str, str]:
    return {"XL_TOOLS_DATA": str(tmp_path / "data"), "HOME": str(tmp_path)}


def test_v2_codes_come_from_the_metadata(server: str) -> None:
    """Dimensions renamed (found by JSON-stat role) and municipalities among the regions."""
    fetched = scb.fetch_year(2017, url=f"{server}/renamed/api/v2", timeout=10)
    assert fetched.by_code == EXPECTED_2017
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(fetched.url).query)
    assert query["valueCodes[Lan]"] == [",".join(r.code for r in REGIONS)]  # not 0114
    assert query["valueCodes[Ar]"] == ["2017"]


def test_v1_fallback_when_v2_fails(server: str) -> None:
    messages: list[str] = []
    fetched = scb.fetch_year(2017, url=f"{server}/v2down/api/v2", v1=f"{server}/v2down/v1", timeout=10,
                             progress=messages.append)
    assert fetched.by_code == EXPECTED_2017
    assert scb.V1_TABLE in fetched.source
    assert any("API v1" in m for m in messages)


def test_v1_not_tried_when_only_a_v2_url_is_given(server: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("XL_TOOLS_SCB_V1_URL", raising=False)
    with pytest.raises(XlToolsError, match="HTTP 503"):
        scb.fetch_year(2017, url=f"{server}/v2down/api/v2", timeout=10)


def test_both_apis_failing_is_one_line(server: str) -> None:
    with pytest.raises(XlToolsError) as info:
        scb.fetch_year(2017, url=f"{server}/v2down/api/v2", v1=f"{server}/nothing/v1", timeout=10)
    assert "v1 failed too" in str(info.value) and "\n" not in str(info.value)


def test_v1_query_shape() -> None:
    body = scb.v1_query({"Region": ["01", "03"], "Kon": ["*"], "Tid": ["2017"]})
    assert body["response"] == {"format": "json-stat2"}
    assert body["query"][0] == {"code": "Region", "selection": {"filter": "item", "values": ["01", "03"]}}
    assert body["query"][1]["selection"]["filter"] == "all"


@pytest.mark.parametrize(("mode", "timeout", "contains", "cap"), [
    ("trickle", "1.5", "did not answer within 1.5 s", 10),        # N_trickle / N_trickle2
    ("slowheaders", "1.5", "did not answer within 1.5 s", 10),
    ("huge", "20", "larger than", 20),                            # N_huge
    ("hugelength", "20", "would be", 20),
    ("deepjson", "20", "nested too deeply", 20),                  # N_deepjson
    ("bigint", "20", "not JSON", 20),                             # N_bigint
    ("nan", "20", "not JSON", 20),                                # N_nan
    ("inf", "20", "not JSON", 20),                                # N_inf
    ("nanstring", "20", "not a number", 20),
    ("manycats", "20", "more than 1 000 000 values", 20),         # N_manycats5000
    ("redirectloop", "20", "HTTP 302", 20),                       # N_redirectloop (one line)
    ("redirectftp", "20", "only http(s)", 20),
    ("redirectfile", "20", "302", 20),                            # N_redirectfile
])
def test_hostile_server_gives_one_line(server: str, data_env: dict[str, str], mode: str, timeout: str,
                                       contains: str, cap: float) -> None:
    run = run_capped("befolkning", "hamta", "--ar", "2017", "--url", f"{server}/{mode}/api/v2", "--timeout", timeout,
                     seconds=cap + 15, memory=768 << 20, env=data_env)
    assert_one_line_error(run, contains=contains)
    assert run.seconds < cap, run.seconds
    assert not (Path(data_env["XL_TOOLS_DATA"]) / "population.csv").exists()


@pytest.mark.parametrize("url", ["not a url", "file:///etc/passwd", "ftp://example.org/x"])
def test_not_an_http_url(data_env: dict[str, str], url: str) -> None:  # N06
    run = run_capped("befolkning", "hamta", "--ar", "2017", "--url", url, seconds=20, env=data_env)
    assert_one_line_error(run, contains="is not an http(s) URL")
