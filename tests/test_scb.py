"""``xl-tools befolkning hamta`` against a local HTTP server that plays SCB's PxWeb API v2."""

from __future__ import annotations

import csv
import datetime as dt
import json
import threading
import time
import urllib.parse
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.fake_http import QuietHandler
from xl_tools import scb
from xl_tools.cli import cli
from xl_tools.errors import XlToolsError
from xl_tools.population import load_population, reload_population, validate_counties
from xl_tools.regions import REGIONS

FIXTURES = Path(__file__).parent / "fixtures" / "scb"
META = json.loads((FIXTURES / "TAB1267_metadata.json").read_text(encoding="utf-8"))
DATA = json.loads((FIXTURES / "TAB1267_data_2017.json").read_text(encoding="utf-8"))
EXPECTED_2017 = {
    code: DATA["value"][2 * i] + DATA["value"][2 * i + 1] for i, code in enumerate(r.code for r in REGIONS)
}


class FakeScb:
    """What the fake server does; tests change ``mode``."""

    def __init__(self) -> None:
        self.mode = "ok"
        self.requests: list[str] = []
        self.data = DATA


def _handler(state: FakeScb) -> type[BaseHTTPRequestHandler]:
    class Handler(QuietHandler):
        def do_GET(self) -> None:
            state.requests.append(self.path)
            parsed = urllib.parse.urlsplit(self.path)
            query = dict(urllib.parse.parse_qsl(parsed.query))
            if state.mode == "slow":
                time.sleep(2)
            if state.mode == "http500":
                self._send(500, b'{"title": "Internal Server Error"}')
                return
            if parsed.path == "/api/v2/tables/TAB1267/metadata":
                self._send(200, json.dumps(META).encode())
                return
            if parsed.path != "/api/v2/tables/TAB1267/data":
                self._send(404, b'{"title": "Not found"}')
                return
            if state.mode == "malformed":
                self._send(200, b"<html>Service unavailable</html>", "text/html")
                return
            expected = {
                "lang": "sv", "outputFormat": "json-stat2",
                "valueCodes[Region]": ",".join(r.code for r in REGIONS),
                "valueCodes[Alder]": "tot", "valueCodes[Kon]": "*",
                "valueCodes[ContentsCode]": "000001NL", "valueCodes[Tid]": "2017",
            }
            if query != expected:
                self._send(400, json.dumps({"title": "Bad query", "got": query}).encode())
                return
            self._send(200, json.dumps(state.data).encode())

    return Handler


@pytest.fixture
def fake_scb() -> Iterator[tuple[str, FakeScb]]:
    state = FakeScb()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/api/v2", state
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def user_data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("XL_TOOLS_DATA", str(tmp_path / "data"))
    reload_population()
    yield tmp_path / "data" / "population.csv"
    monkeypatch.delenv("XL_TOOLS_DATA")
    reload_population()


def test_fetch_year_parses_json_stat2(fake_scb: tuple[str, FakeScb]) -> None:
    url, state = fake_scb
    messages: list[str] = []
    fetched = scb.fetch_year(2017, url=url, progress=messages.append)
    assert fetched.by_code == EXPECTED_2017
    assert fetched.total == sum(EXPECTED_2017.values())
    assert fetched.date.isoformat() == "2017-11-01"
    assert "TAB1267" in fetched.source
    assert len(messages) == 3
    assert state.requests[0].startswith("/api/v2/tables/TAB1267/metadata?lang=sv&outputFormat=json-stat2")


def test_cli_hamta_adds_year_and_population_uses_it(fake_scb: tuple[str, FakeScb], user_data: Path) -> None:
    url, _ = fake_scb
    assert not load_population().has(2017)
    result = CliRunner().invoke(cli, ["befolkning", "hamta", "--ar", "2017", "--url", url])
    assert result.exit_code == 0, result.output
    assert "Fetching the population at 1 November 2017" in result.output
    assert "Saved the population at 1 November 2017: 21 counties" in result.output
    with open(user_data, newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == 21
    assert {r["county_code"]: int(r["population"]) for r in rows} == EXPECTED_2017
    table = reload_population()
    assert table.population("Gotland", 2017) == EXPECTED_2017["09"]
    assert table.has(2016)  # shipped years are still there


def test_existing_year_needs_replace(fake_scb: tuple[str, FakeScb], user_data: Path,
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    url, state = fake_scb
    monkeypatch.setenv("XL_TOOLS_SCB_URL", url)  # the env var is the other way to point at SCB
    runner = CliRunner()
    assert runner.invoke(cli, ["befolkning", "hamta", "--ar", "2017"]).exit_code == 0
    before = user_data.read_bytes()
    again = runner.invoke(cli, ["befolkning", "hamta", "--ar", "2017"])
    assert again.exit_code == 2
    assert "exists already; use --replace" in again.output
    assert user_data.read_bytes() == before

    changed = json.loads(json.dumps(DATA))
    changed["value"][0] += 5
    state.data = changed
    replaced = runner.invoke(cli, ["befolkning", "hamta", "--ar", "2017", "--replace"])
    assert replaced.exit_code == 0, replaced.output
    assert reload_population().population("Stockholm", 2017) == EXPECTED_2017["01"] + 5


def test_shipped_year_is_not_overwritten_without_replace(fake_scb: tuple[str, FakeScb], user_data: Path) -> None:
    fetched = scb.Fetched(date=dt.date(2016, 11, 1), by_code=EXPECTED_2017, url="", source="x")
    with pytest.raises(XlToolsError, match="1 november 2016 exists already; use --replace"):
        scb.add_to_user_data(fetched)
    assert not user_data.exists()


def test_year_not_published(fake_scb: tuple[str, FakeScb], user_data: Path) -> None:
    url, _ = fake_scb
    result = CliRunner().invoke(cli, ["befolkning", "hamta", "--ar", "2030", "--url", url])
    assert result.exit_code == 2
    assert "Error: SCB has no 'Folkmängden den 1 november' for 2030 yet" in result.output
    assert not user_data.exists()


def test_timeout(fake_scb: tuple[str, FakeScb], user_data: Path) -> None:
    url, state = fake_scb
    state.mode = "slow"
    result = CliRunner().invoke(cli, ["befolkning", "hamta", "--ar", "2017", "--url", url, "--timeout", "0.3"])
    assert result.exit_code == 2
    assert "SCB did not answer within 0.3 s" in result.output
    assert not user_data.exists()


def test_http_error(fake_scb: tuple[str, FakeScb], user_data: Path) -> None:
    url, state = fake_scb
    state.mode = "http500"
    result = CliRunner().invoke(cli, ["befolkning", "hamta", "--ar", "2017", "--url", url])
    assert result.exit_code == 2
    assert "SCB answered HTTP 500" in result.output
    assert not user_data.exists()


def test_wrong_path_is_http_404(fake_scb: tuple[str, FakeScb]) -> None:
    url, _ = fake_scb
    with pytest.raises(XlToolsError, match="HTTP 404"):
        scb.fetch_year(2017, url=url.replace("/api/v2", "/v1"))


def test_malformed_body(fake_scb: tuple[str, FakeScb], user_data: Path) -> None:
    url, state = fake_scb
    state.mode = "malformed"
    result = CliRunner().invoke(cli, ["befolkning", "hamta", "--ar", "2017", "--url", url])
    assert result.exit_code == 2
    assert "is not JSON" in result.output
    assert not user_data.exists()


def test_connection_refused() -> None:
    with pytest.raises(XlToolsError, match="Cannot reach SCB"):
        scb.fetch_year(2017, url="http://127.0.0.1:9/api/v2", timeout=2)


def _data_with(**changes: object) -> dict:
    data = json.loads(json.dumps(DATA))
    data.update(changes)
    return data


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (_data_with(value=DATA["value"][:-1]), "has 41 values, expected 42"),
        (_data_with(value=[None, *DATA["value"][1:]]), "no value for county 01"),
        (_data_with(value=["x", *DATA["value"][1:]]), "not a number for county 01"),
        (_data_with(value=[1.5, *DATA["value"][1:]]), "not whole for county 01"),
        (_data_with(value=[0, 0, *DATA["value"][2:]]), "must be a positive whole number"),
        (_data_with(value=[v // 10 for v in DATA["value"]]), "not plausible for Sweden"),
        (_data_with(size=[21, 1, 1, 1, 1]), "inconsistent"),
        ({"class": "dataset", "value": []}, "missing 'id'"),
    ],
)
def test_invalid_answers_are_rejected(fake_scb: tuple[str, FakeScb], user_data: Path,
                                      data: dict, message: str) -> None:
    url, state = fake_scb
    state.data = data
    with pytest.raises(XlToolsError, match=message):
        scb.fetch_year(2017, url=url)
    assert not user_data.exists()


def test_missing_county_is_rejected() -> None:
    data = json.loads(json.dumps(DATA))
    codes = [r.code for r in REGIONS if r.code != "25"]
    data["dimension"]["Region"]["category"]["index"] = {c: i for i, c in enumerate(codes)}
    data["size"][0] = 20
    data["value"] = data["value"][:40]
    by_code = scb.parse_counties(data, "test", 2017)
    with pytest.raises(XlToolsError, match="missing: Norrbotten"):
        validate_counties(by_code, dt.date(2017, 11, 1))


def test_base_url_precedence(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("XL_TOOLS_SCB_URL", raising=False)
    assert scb.base_url() == scb.DEFAULT_BASE_URL
    monkeypatch.setenv("XL_TOOLS_SCB_URL", "http://example.invalid/api/v2/")
    assert scb.base_url() == "http://example.invalid/api/v2"
    assert scb.base_url("http://other/x") == "http://other/x"
