"""The HTTP service, through real HTTP on 127.0.0.1 (a port the system picks, never a fixed one).

Every answer is compared with what the command line says for the same input, or with a bill
worked out by hand, and checked against the schema the service's own OpenAPI document gives.
"""

from __future__ import annotations

import csv
import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

httpx = pytest.importorskip("httpx")
pytest.importorskip("starlette")
pytest.importorskip("uvicorn")

from jsonschema import Draft202012Validator  # noqa: E402
from referencing import Registry, Resource  # noqa: E402

from tariffcore.commands import build_parser  # noqa: E402
from tariffcore.service import BILLING_STATUS, SERVICE_STATUS, Settings, create_app, running, status_of  # noqa: E402
from tariffcore.service.openapi import openapi_document  # noqa: E402
from tests.helpers import (  # noqa: E402
    BASE,
    ROOT,  # noqa: E402
    dump,
    run_cli,
)

SRC = ROOT / "src" / "tariffcore"
READINGS = ROOT / "examples" / "readings.csv"
LEDGER = ROOT / "examples" / "ledger.csv"

# Gimhae 2025, household, 13 mm, 20 m³ (golden bill of the ruleset): base 1,100 + water 20 × 850
# = 17,000 + sewer 20 × 820 = 16,400 + levy 20 × 170 = 3,400 → 37,900.
HOUSEHOLD = {
    "account": "A-1",
    "use_class": "household",
    "meter_mm": 13,
    "usage_m3": 20,
    "billing_month": "2025-03",
}


@pytest.fixture(scope="module")
def url() -> Iterator[str]:
    with running(settings=Settings()) as base:
        yield base


@pytest.fixture(scope="module")
def client(url: str) -> Iterator[Any]:
    with httpx.Client(base_url=url, timeout=30) as session:
        yield session


# --------------------------------------------------------------------------- the OpenAPI schemas

DOCUMENT = openapi_document()
_REGISTRY = Registry().with_resource(
    "urn:openapi",
    Resource.from_contents({"$schema": "https://json-schema.org/draft/2020-12/schema", **DOCUMENT}),
)


def conforms(data: Any, schema: str) -> None:
    """``data`` is valid under the OpenAPI document's component ``schema``."""
    validator = Draft202012Validator(
        {"$ref": f"urn:openapi#/components/schemas/{schema}"}, registry=_REGISTRY
    )
    errors = sorted(validator.iter_errors(data), key=str)
    assert not errors, f"{schema}: {errors[0]}"


def refused(response: Any, code: str) -> dict[str, Any]:
    """``response`` is the error ``code`` with its documented status; its body."""
    body = response.json()
    assert body["error"]["code"] == code, body
    assert response.status_code == status_of(code), (response.status_code, body)
    assert body["error"]["message"]
    conforms(body, "ErrorBody")
    return body


# --------------------------------------------------------------------------- POST /bill


def _csv_rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as stream:
        return list(csv.DictReader(stream))


def test_bill_returns_exactly_the_json_lines_of_the_bill_command(
    client: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out, _ = run_cli(capsys, "bill", str(READINGS), "--ruleset", "kr/gimhae", "--explain", "full")
    assert status == 1  # the example has error rows on purpose
    expected = [json.loads(line) for line in out.splitlines()]
    response = client.post("/bill", json={"ruleset": "kr/gimhae", "rows": _csv_rows(READINGS)})
    assert response.status_code == 200
    body = response.json()
    conforms(body, "BillResponse")
    assert body["results"] == expected
    assert body["rows"] == len(expected)
    assert body["error_rows"] == sum("error" in item for item in expected) > 0


def test_a_bill_worked_out_by_hand_with_amounts_as_strings(client: Any) -> None:
    body = client.post("/bill", json={"ruleset": "kr/gimhae", "rows": [HOUSEHOLD]}).json()
    bill = body["results"][0]
    assert bill["total"] == "37900"
    assert {line["charge"]: line["amount"] for line in bill["lines"]} == {
        "base": "1100",
        "water": "17000",
        "sewer": "16400",
        "levy": "3400",
    }


def test_numbers_in_are_read_exactly_as_the_json_lines_reader_reads_them(client: Any) -> None:
    # 10.1 as a JSON number is Decimal("10.1"), not the float 10.0999999999999996447...:
    # water 10.1 × 850 = 8585.0, sewer 10.1 × 820 = 8282.0, levy 10.1 × 170 = 1717.0, each line
    # in whole won (nothing to drop); read as a float, 8584.99… would be truncated to 8584.
    rows = [{**HOUSEHOLD, "usage_m3": usage} for usage in ("10.1", 10.1)]
    raw = json.dumps({"ruleset": "kr/gimhae", "rows": rows})
    assert "10.1" in raw
    body = client.post("/bill", content=raw, headers={"content-type": "application/json"}).json()
    first, second = body["results"]
    assert first == second
    assert first["usage_m3"] == "10.1"
    amounts = {line["charge"]: line["amount"] for line in first["lines"]}
    assert amounts["water"] == "8585" and amounts["sewer"] == "8282" and amounts["levy"] == "1717"
    unrounded = {line["charge"]: line["unrounded"] for line in first["lines"]}
    assert unrounded["water"] == "8585.0" and unrounded["sewer"] == "8282.0" and unrounded["levy"] == "1717.0"


def test_rows_that_cannot_be_billed_stay_in_place_as_error_rows(client: Any) -> None:
    rows = [
        HOUSEHOLD,
        "not an object",
        {**HOUSEHOLD, "account": "A-3", "usage_m3": "lots"},
        {**HOUSEHOLD, "account": "A-4", "ruleset": "kr/nowhere"},
        HOUSEHOLD,
    ]
    body = client.post("/bill", json={"ruleset": "kr/gimhae", "rows": rows}).json()
    results = body["results"]
    assert [item.get("account") for item in results] == ["A-1", "", "A-3", "A-4", "A-1"]
    assert results[1]["error"] == {"code": "invalid_input", "message": "row 2 is not a JSON object"}
    assert results[2]["error"]["code"] == "invalid_input" and "usage_m3" in results[2]["error"]["message"]
    assert results[3]["error"]["code"] == "unknown_ruleset"
    assert results[0] == results[4] and results[0]["total"] == "37900"
    assert body["error_rows"] == 3


def _posted(client: Any, path: str, text: str) -> Any:
    """``text`` posted to ``path`` as it is (a JSON encoder would not give a field twice)."""
    return client.post(path, content=text.encode(), headers={"content-type": "application/json"})


def test_rows_are_read_as_the_lines_of_json_lines_are(
    client: Any, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    # A row that gives a field twice is its error row, as its line in a file is, and the rows
    # around it are billed: JSON would keep 999 m³ silently. So is a row given a field twice
    # in an object within it, or a string with a lone surrogate.
    good = json.dumps(HOUSEHOLD)
    rows = [
        good,
        good[:-1] + ', "usage_m3": 999}',
        good[:-1] + ', "meters": [{"id": 1, "id": 2}]}',
        good.replace('"A-1"', '"A-\\ud800"'),
        good,
    ]
    source = tmp_path / "rows.jsonl"
    source.write_text("\n".join(rows) + "\n", encoding="utf-8")
    _, out, _ = run_cli(capsys, "bill", str(source), "--ruleset", "kr/gimhae", "--explain", "full")
    expected = [json.loads(line) for line in out.splitlines()]
    response = _posted(client, "/bill", '{"ruleset": "kr/gimhae", "rows": [' + ", ".join(rows) + "]}")
    assert response.status_code == 200
    body = response.json()
    conforms(body, "BillResponse")
    for item in expected:  # a line's error names its line, a row's its row
        if "error" in item:
            item["error"]["message"] = item["error"]["message"].replace("line ", "row ", 1)
    assert body["results"] == expected
    assert [item.get("total") for item in body["results"]] == ["37900", None, None, None, "37900"]
    assert body["results"][1]["error"] == {
        "code": "invalid_input",
        "message": "row 2 is an object that gives the field 'usage_m3' twice",
    }
    assert "'id' twice" in body["results"][2]["error"]["message"]
    assert "lone surrogate" in body["results"][3]["error"]["message"]
    assert body["error_rows"] == 3
    explained = _posted(client, "/explain", '{"ruleset": "kr/gimhae", "row": ' + rows[1] + "}")
    assert refused(explained, "invalid_input")["error"]["message"] == (
        "row 1 is an object that gives the field 'usage_m3' twice"
    )


def test_a_ledger_entry_that_gives_a_field_twice_is_its_error_as_in_a_file(
    client: Any, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    entries = [json.dumps(entry) for entry in _csv_rows(LEDGER)]
    entries[0] = entries[0][:-1] + ', "amount": "1"}'
    ledger = tmp_path / "ledger.jsonl"
    ledger.write_text("\n".join(entries) + "\n", encoding="utf-8")
    _, out, _ = run_cli(capsys, "arrears", str(ledger), "--ruleset", "kr/seoul", "--as-of", "2025-06-30")
    expected = [json.loads(line) for line in out.splitlines()]
    body = _posted(
        client,
        "/arrears",
        '{"ruleset": "kr/seoul", "as_of": "2025-06-30", "ledger": [' + ", ".join(entries) + "]}",
    ).json()
    assert body["results"] == expected
    assert "line 1: an object that gives the field 'amount' twice" in json.dumps(body)


def test_a_ledger_bill_that_gives_a_field_twice_makes_its_account_an_error(client: Any) -> None:
    # It used to be filed under the account "", and S-1's statement came back whole without it.
    ledger = (
        '[{"account": "S-1", "entry": "bill", "date": "2025-01-31", "amount": 52000},'
        ' {"account": "S-1", "entry": "bill", "date": "2025-03-31", "amount": 5000, "amount": 6000}]'
    )
    body = _posted(
        client, "/arrears", '{"ruleset": "kr/seoul", "as_of": "2025-04-01", "ledger": ' + ledger + "}"
    )
    results = body.json()["results"]
    assert [result["account"] for result in results] == ["S-1"]
    assert results[0]["error"]["message"] == "line 2: an object that gives the field 'amount' twice"
    assert "outstanding" not in results[0]


def test_a_row_that_gives_a_field_twice_names_its_account(client: Any) -> None:
    good = json.dumps(HOUSEHOLD)
    row = good[:-1] + ', "usage_m3": 999}'
    body = _posted(client, "/bill", '{"ruleset": "kr/gimhae", "rows": [' + row + "]}").json()
    assert body["results"][0]["account"] == "A-1" and body["results"][0]["error"]["code"] == "invalid_input"


@pytest.mark.parametrize(
    ("path", "text", "field"),
    [
        # The row would vanish: JSON keeps the empty list given last.
        ("/bill", '{"ruleset": "kr/gimhae", "rows": [ROW], "rows": []}', "'rows'"),
        ("/bill", '{"ruleset": "kr/nowhere", "rows": [ROW], "ruleset": "kr/gimhae"}', "'ruleset'"),
        (
            "/bill",
            '{"ruleset": "kr/gimhae", "rows": [ROW], "charges": [{"id": 1, "id": 2}]}',
            "'id' twice, in charges",
        ),
        ("/explain", '{"ruleset": "kr/gimhae", "row": ROW, "ruleset": "kr/seoul"}', "'ruleset'"),
        (
            "/arrears",
            '{"ruleset": "kr/local-tax", "principal": "1000000", "principal": "5", "due": "2024-01-31", '
            '"as_of": "2024-05-10"}',
            "'principal'",
        ),
        (
            "/arrears",
            '{"ruleset": "kr/local-tax", "principal": {"water": "1", "water": "2"}, "due": "2024-01-31", '
            '"as_of": "2024-05-10"}',
            "'water' twice, in principal",
        ),
        ("/arrears", '{"as_of": "2025-06-30", "ledger": [], "as_of": "2025-07-31"}', "'as_of'"),
    ],
    ids=["rows", "ruleset", "in-charges", "explain-ruleset", "principal", "in-principal", "as_of"],
)
def test_a_field_given_twice_outside_the_rows_refuses_the_request(
    client: Any, path: str, text: str, field: str
) -> None:
    body = refused(_posted(client, path, text.replace("ROW", json.dumps(HOUSEHOLD))), "bad_json")
    assert body["error"]["message"].startswith(f"the body gives the field {field}")


def test_an_account_id_is_a_string_or_an_integer_as_written(client: Any) -> None:
    given: list[Any] = ["J-15", ["J-15"], {"id": "J-15"}, True, 10234, 10234.0]
    rows = [{**HOUSEHOLD, "account": account} for account in given]
    results = client.post("/bill", json={"ruleset": "kr/gimhae", "rows": rows}).json()["results"]
    assert [(item["account"], item.get("total")) for item in results] == [
        ("J-15", "37900"),
        ("", None),
        ("", None),
        ("", None),
        ("10234", "37900"),
        ("", None),
    ]
    must = "account must be a string, or an integer written without a fraction or an exponent (such as 10234), not"
    assert [item["error"]["message"] for item in results if "error" in item] == [
        f"{must} a list",
        f"{must} an object",
        f"{must} true",
        f"{must} 10234.0",
    ]


def test_a_row_without_any_ruleset_is_an_error_row(client: Any) -> None:
    results = client.post("/bill", json={"rows": [HOUSEHOLD, {**HOUSEHOLD, "ruleset": "kr/gimhae"}]}).json()[
        "results"
    ]
    assert results[0]["error"]["code"] == "no_ruleset"
    assert results[1]["total"] == "37900"


# --------------------------------------------------------------------------- errors


def test_malformed_bodies_are_refused_with_their_codes(client: Any) -> None:
    json_type = {"content-type": "application/json"}
    refused(client.post("/bill", content=b'{"rows": [', headers=json_type), "bad_json")
    refused(client.post("/bill", content=b'{"rows": [{"usage_m3": NaN}]}', headers=json_type), "bad_json")
    refused(client.post("/bill", content=b"\xff\xfe", headers=json_type), "bad_json")
    refused(client.post("/bill", content=b"", headers=json_type), "bad_json")
    refused(client.post("/bill", content=b"[" * 100_000, headers=json_type), "bad_json")
    refused(
        client.post("/bill", content=b"rows=1", headers={"content-type": "text/plain"}),
        "unsupported_media_type",
    )
    refused(client.post("/bill", json=[HOUSEHOLD]), "invalid_request")
    refused(client.post("/bill", json={"rows": {"account": "A-1"}}), "invalid_request")
    refused(client.post("/bill", json={"rows": [], "rulesets_dir": "/tmp"}), "invalid_request")
    refused(client.post("/bill", json={"rows": [], "ruleset": 5}), "invalid_request")
    refused(client.post("/bill", json={"rows": [], "charges": "water"}), "invalid_request")
    refused(
        client.post("/bill", json={"rows": [], "ruleset": "kr/gimhae", "charges": ["wter"]}), "unknown_charge"
    )
    refused(client.post("/bill", json={"rows": [], "ruleset": "kr/nowhere"}), "unknown_ruleset")
    refused(client.post("/bill", json={"rows": [], "ruleset": "kr/gimhae@1999"}), "unknown_ruleset")
    refused(client.get("/no-such-thing"), "not_found")
    refused(client.delete("/bill"), "method_not_allowed")
    refused(client.get("/bill"), "method_not_allowed")


def test_size_and_row_limits() -> None:
    settings = Settings(max_body_bytes=2000, max_rows=3)
    with running(settings=settings) as base, httpx.Client(base_url=base, timeout=30) as client:
        refused(client.post("/bill", json={"ruleset": "kr/gimhae", "rows": [HOUSEHOLD] * 4}), "too_many_rows")
        ok = client.post("/bill", json={"ruleset": "kr/gimhae", "rows": [HOUSEHOLD] * 3})
        assert ok.status_code == 200 and ok.json()["rows"] == 3
        big = json.dumps({"ruleset": "kr/gimhae", "rows": [HOUSEHOLD], "pad": "x" * 3000}).encode()
        refused(
            client.post("/bill", content=big, headers={"content-type": "application/json"}), "body_too_large"
        )

        def pieces() -> Iterator[bytes]:  # no Content-Length: the limit holds while reading
            yield b'{"rows": ['
            for _ in range(100):
                yield json.dumps(HOUSEHOLD).encode() + b","
            yield b"{}]}"

        refused(
            client.post("/bill", content=pieces(), headers={"content-type": "application/json"}),
            "body_too_large",
        )
        refused(client.post("/arrears", json={"as_of": "2025-06-30", "ledger": [{}] * 4}), "too_many_rows")


def test_the_status_map_is_read_from_the_error_classes() -> None:
    # The one table: every billing code's class states its status (tests/test_errors.py checks
    # every raised code against it and against the documentation).
    from tariffcore.errors import ERROR_CLASSES

    assert {code: cls.http_status for code, cls in ERROR_CLASSES.items()} == BILLING_STATUS
    assert not set(BILLING_STATUS) & set(SERVICE_STATUS)
    assert status_of("a_plugins_own_code") == 422


# --------------------------------------------------------------------------- tokens, binding, paths


def test_a_bearer_token_guards_every_route_but_health(tmp_path: Path) -> None:
    token_file = tmp_path / "token"
    token_file.write_text("s3cret-token\n", encoding="utf-8")
    from tariffcore.service import read_token

    settings = Settings(token=read_token(str(token_file)))
    with running(settings=settings) as base, httpx.Client(base_url=base, timeout=30) as client:
        body = refused(client.get("/rulesets"), "unauthorized")
        assert body["error"]["message"].startswith("this service needs")
        assert client.get("/rulesets").headers["www-authenticate"].startswith("Bearer")
        refused(
            client.post("/bill", json={"rows": []}, headers={"Authorization": "Bearer s3cret"}),
            "unauthorized",
        )
        refused(
            client.post("/bill", json={"rows": []}, headers={"Authorization": "Basic s3cret-token"}),
            "unauthorized",
        )
        good = {"Authorization": "Bearer s3cret-token"}
        assert (
            client.post("/bill", json={"ruleset": "kr/gimhae", "rows": [HOUSEHOLD]}, headers=good).json()[
                "results"
            ][0]["total"]
            == "37900"
        )
        assert client.get("/health").status_code == 200


def test_token_settings_refuse_what_cannot_be_a_token(tmp_path: Path) -> None:
    from tariffcore import TariffcoreError
    from tariffcore.service import read_token

    empty = tmp_path / "empty"
    empty.write_text("\n", encoding="utf-8")
    with pytest.raises(TariffcoreError, match="is empty"):
        read_token(str(empty))
    with pytest.raises(TariffcoreError, match="cannot read the token file"):
        read_token(str(tmp_path / "missing"))
    settings = Settings.from_environment(
        {
            "TARIFFCORE_TOKEN": "abc",
            "TARIFFCORE_MAX_ROWS": "5",
            "TARIFFCORE_RULESETS_DIRS": os.pathsep.join(["a", "b"]),
        }
    )
    assert (settings.token, settings.max_rows, settings.rulesets_dirs) == ("abc", 5, ("a", "b"))
    with pytest.raises(TariffcoreError, match="TARIFFCORE_MAX_ROWS"):
        Settings.from_environment({"TARIFFCORE_MAX_ROWS": "many"})


def test_the_command_listens_on_this_machine_only_unless_told() -> None:
    args = build_parser().parse_args(["serve"])
    assert args.host == "127.0.0.1"
    assert not hasattr(args, "token")  # a token is never an option (the process list shows options)


def _city(root: Path, ruleset: str = "test/city") -> None:
    data = {
        **BASE,
        "ruleset": ruleset,
        "charges": {"water": {"type": "per_unit", "label": "water", "source": "s", "rate": 100}},
    }
    folder = root / ruleset
    folder.mkdir(parents=True)
    (folder / "1.yaml").write_text(dump(data), encoding="utf-8")


def test_a_path_in_a_request_is_never_read(client: Any, tmp_path: Path) -> None:
    _city(tmp_path)
    row = {"account": "P-1", "use_class": "household", "usage_m3": 3, "billing_month": "2025-03"}
    for reference in (
        str(tmp_path),
        str(tmp_path / "test" / "city"),
        "test/city",
        "../../../etc/passwd",
        "/etc/passwd",
    ):
        refused(client.post("/bill", json={"ruleset": reference, "rows": [row]}), "unknown_ruleset")
        result = client.post("/bill", json={"rows": [{**row, "ruleset": reference}]}).json()["results"][0]
        assert result["error"]["code"] == "unknown_ruleset"
    refused(client.get("/rulesets/..%2F..%2Fetc%2Fpasswd"), "unknown_ruleset")


# --------------------------------------------------------------------------- rulesets


def test_rulesets_list_and_one_ruleset_with_a_resolved_version(
    client: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    listing = client.get("/rulesets").json()
    conforms(listing, "RulesetList")
    _, out, _ = run_cli(capsys, "rulesets", "--format", "json")
    assert listing["rulesets"] == json.loads(out)
    one = client.get("/rulesets/kr/gimhae")
    assert one.status_code == 200
    conforms(one.json(), "Ruleset")
    assert one.json() == next(item for item in listing["rulesets"] if item["id"] == "kr/gimhae")
    versions = [v["version"] for v in one.json()["versions"]]
    assert "2025" in versions
    for path in ("/rulesets/kr/gimhae?version=2025", "/rulesets/kr/gimhae@2025"):
        resolved = client.get(path).json()
        conforms(resolved, "Ruleset")
        assert resolved["resolved"]["version"] == "2025"
        assert resolved["resolved"]["label"] == "kr/gimhae@2025"
        water = resolved["resolved"]["data"]["charges"]["water"]
        assert "850" in json.dumps(water)  # 850 won per m³ (household), as a decimal string
    refused(client.get("/rulesets/kr/nowhere"), "unknown_ruleset")
    refused(client.get("/rulesets/kr/gimhae?version=1999"), "unknown_ruleset")
    refused(client.get("/rulesets/kr/gimhae@2025?version=2019"), "invalid_request")


# --------------------------------------------------------------------------- explain, arrears


def test_explain_gives_the_bill_and_its_explanation(client: Any, capsys: pytest.CaptureFixture[str]) -> None:
    response = client.post("/explain", json={"ruleset": "kr/gimhae", "row": HOUSEHOLD})
    assert response.status_code == 200
    body = response.json()
    conforms(body, "ExplainResponse")
    billed = client.post("/bill", json={"ruleset": "kr/gimhae", "rows": [HOUSEHOLD]}).json()["results"][0]
    assert body["result"] == billed
    _, out, _ = run_cli(
        capsys,
        "explain",
        "--ruleset",
        "kr/gimhae",
        "--account",
        "A-1",
        "--use-class",
        "household",
        "--meter-mm",
        "13",
        "--usage",
        "20",
        "--billing-month",
        "2025-03",
    )
    assert body["explanation"] == out
    assert "total 37900 KRW" in body["explanation"]
    failed = refused(
        client.post("/explain", json={"ruleset": "kr/gimhae", "row": {**HOUSEHOLD, "use_class": "spa"}}),
        "unknown_use_class",
    )
    assert failed["account"] == "A-1"
    refused(
        client.post("/explain", json={"ruleset": "kr/gimhae", "row": {**HOUSEHOLD, "usage_m3": -1}}),
        "invalid_input",
    )
    refused(client.post("/explain", json={"ruleset": "kr/gimhae"}), "invalid_request")


def test_arrears_of_one_bill_match_the_command(client: Any, capsys: pytest.CaptureFixture[str]) -> None:
    # Local tax, 1,000,000 due 2024-01-31, on 2024-05-10: 3 % once = 30,000, then 0.66 % × 3 full
    # months = 19,800; total due 1,049,800 (docs/arrears/monthly.md).
    request = {"ruleset": "kr/local-tax", "principal": "1000000", "due": "2024-01-31", "as_of": "2024-05-10"}
    response = client.post("/arrears", json=request)
    assert response.status_code == 200
    body = response.json()
    conforms(body, "ArrearsResult")
    assert body["total_due"] == "1049800"
    _, out, _ = run_cli(
        capsys,
        "arrears",
        "--ruleset",
        "kr/local-tax",
        "--principal",
        "1000000",
        "--due",
        "2024-01-31",
        "--as-of",
        "2024-05-10",
    )
    assert body == json.loads(out)
    assert client.post("/arrears", json={**request, "principal": 1000000}).json() == body
    refused(client.post("/arrears", json={**request, "principal": "-5"}), "invalid_input")
    refused(client.post("/arrears", json={**request, "due": "2024-02-30"}), "invalid_input")
    refused(client.post("/arrears", json={**request, "ruleset": "kr/nowhere"}), "unknown_ruleset")
    refused(client.post("/arrears", json={**request, "ruleset": "kr/gimhae"}), "no_arrears")
    refused(
        client.post("/arrears", json={k: v for k, v in request.items() if k != "ruleset"}), "invalid_request"
    )


def test_arrears_refuse_a_fraction_of_a_won(client: Any) -> None:
    request = {"ruleset": "kr/seoul", "principal": "52000.5", "due": "2025-01-31", "as_of": "2025-03-10"}
    fraction = "KRW holds a fraction of the currency's minor unit (1 KRW): KRW amounts have no decimal places"
    body = refused(client.post("/arrears", json=request), "invalid_input")
    assert body["error"]["message"] == f"the principal 52000.5 {fraction}"
    refused(client.post("/arrears", json={**request, "principal": 52000.5}), "invalid_input")
    per_charge = client.post("/arrears", json={**request, "principal": {"water": "100.5", "sewer": 1}})
    assert (
        refused(per_charge, "invalid_input")["error"]["message"] == f"the principal of water 100.5 {fraction}"
    )
    # whole won with decimal places is the same amount, written as the won is
    whole = client.post("/arrears", json={**request, "principal": "52000.00"}).json()
    assert (whole["principal"], whole["total_due"]) == ("52000", "53560")
    entries = [{"account": "A", "entry": "bill", "date": "2025-01-31", "amount": 52000.5}]
    response = client.post("/arrears", json={"ruleset": "kr/seoul", "as_of": "2025-03-10", "ledger": entries})
    assert response.status_code == 200
    (result,) = response.json()["results"]
    assert result["error"] == {
        "code": "invalid_input",
        "message": f"bill 2025-01-31: the principal 52000.5 {fraction}",
    }


def test_a_ledger_gives_the_statements_of_the_arrears_command(
    client: Any, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    # The same entries as JSON lines, so that the command's line numbers are the entries' numbers.
    entries = _csv_rows(LEDGER)
    ledger = tmp_path / "ledger.jsonl"
    ledger.write_text("".join(json.dumps(entry) + "\n" for entry in entries), encoding="utf-8")
    _, out, _ = run_cli(
        capsys,
        "arrears",
        str(ledger),
        "--ruleset",
        "kr/seoul",
        "--as-of",
        "2025-06-30",
        "--allocation",
        "surcharges-first",
    )
    expected = [json.loads(line) for line in out.splitlines()]
    response = client.post(
        "/arrears",
        json={
            "ruleset": "kr/seoul",
            "as_of": "2025-06-30",
            "allocation": "surcharges-first",
            "ledger": entries,
        },
    )
    assert response.status_code == 200
    body = response.json()
    conforms(body, "LedgerResponse")
    assert body["results"] == expected
    assert body["accounts"] == len(expected)
    refused(
        client.post("/arrears", json={"as_of": "2025-06-30", "ledger": [], "allocation": "random"}),
        "invalid_request",
    )


# --------------------------------------------------------------------------- the document, reloads


def test_the_openapi_document_describes_every_route(client: Any) -> None:
    document = client.get("/openapi.json").json()
    assert document == json.loads(json.dumps(DOCUMENT))
    assert document["openapi"].startswith("3.1")
    app = create_app(Settings(reload_on_sighup=False), catalog=_empty_catalog())
    routes = {
        re.sub(r"\{(\w+):path\}", r"{\1}", route.path): set(route.methods or ()) - {"HEAD"}
        for route in app.routes
    }
    described = {path: {method.upper() for method in item} for path, item in document["paths"].items()}
    assert routes == described
    codes = set()
    for item in document["paths"].values():
        for operation in item.values():
            for status, response in operation["responses"].items():
                for code in re.findall(r"[a-z_]+", response["description"].partition("Error: ")[2]):
                    assert status_of(code) == int(status), (code, status)
                    codes.add(code)
    for response in document["components"]["responses"].values():  # errors of any path
        code, status = re.findall(r"Error: ([a-z_]+) \(status (\d+)\)", response["description"])[0]
        assert status_of(code) == int(status)
        codes.add(code)
    assert codes == set(BILLING_STATUS) | set(SERVICE_STATUS)
    Draft202012Validator.check_schema({"$defs": document["components"]["schemas"]})


def _empty_catalog() -> Any:
    import tariffcore

    return tariffcore.load_catalog([], entry_points=False)


def test_reload_by_endpoint_swaps_in_a_new_catalog(tmp_path: Path) -> None:
    rulesets = tmp_path / "rulesets"
    rulesets.mkdir()
    settings = Settings(rulesets_dirs=(str(rulesets),), entry_points=False)
    with running(settings=settings) as base, httpx.Client(base_url=base, timeout=30) as client:
        row = {"account": "R-1", "use_class": "household", "usage_m3": 3, "billing_month": "2025-03"}
        assert client.get("/rulesets").json()["rulesets"] == []
        refused(client.post("/bill", json={"ruleset": "test/city", "rows": [row]}), "unknown_ruleset")
        _city(rulesets)
        reloaded = client.post("/reload")
        assert reloaded.status_code == 200
        conforms(reloaded.json(), "CatalogSummary")
        assert reloaded.json()["rulesets"] == 1 and reloaded.json()["reloads"] == 1
        # 3 m³ × 100 = 300
        assert (
            client.post("/bill", json={"ruleset": "test/city", "rows": [row]}).json()["results"][0]["total"]
            == "300"
        )


@pytest.mark.skipif(not hasattr(signal, "SIGHUP"), reason="no SIGHUP on this platform")
def test_the_command_reloads_on_sighup(tmp_path: Path) -> None:
    rulesets = tmp_path / "rulesets"
    rulesets.mkdir()
    process = subprocess.Popen(
        [sys.executable, "-m", "tariffcore", "serve", "--port", "0", "--rulesets-dir", str(rulesets)],
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        text=True,
        env={**os.environ, "TARIFFCORE_TOKEN": "hup-token"},
    )
    try:
        assert process.stderr is not None
        line = process.stderr.readline()
        found = re.search(r"listening on (http://127\.0\.0\.1:\d+)", line)
        assert found, line
        headers = {"Authorization": "Bearer hup-token"}
        with httpx.Client(base_url=found.group(1), timeout=30, headers=headers) as client:
            ids = {item["id"] for item in client.get("/rulesets").json()["rulesets"]}
            assert "test/city" not in ids
            _city(rulesets)
            process.send_signal(signal.SIGHUP)
            for _ in range(300):  # at most 30 s; the reload takes about a second
                if client.get("/health").json()["reloads"] == 1:
                    break
                time.sleep(0.1)
            ids = {item["id"] for item in client.get("/rulesets").json()["rulesets"]}
            assert "test/city" in ids
    finally:
        process.terminate()
        process.wait(timeout=30)
        if process.stderr is not None:
            process.stderr.close()


# --------------------------------------------------------------------------- charges asked for

# Gimhae, household, 13 mm, 20 m³. On the 2026-03 bill the base charge of 2026 is not given
# (digest §5), so the whole bill fails on it; water 20 × 850 = 17,000, sewer 20 × 820 = 16,400
# and levy 20 × 170 = 3,400 are known: 36,800 without the base charge.
ROW_2026 = {
    "account": "G-26",
    "use_class": "household",
    "meter_mm": 13,
    "usage_m3": 20,
    "billing_month": "2026-03",
}
# The same account on the 2025-03 bill: base 1,100 + 17,000 + 16,400 + 3,400 = 37,900.
ROW_2025 = {**ROW_2026, "account": "G-25", "billing_month": "2025-03"}
WITHOUT_BASE = ["water", "sewer", "levy"]


def _amounts(bill: dict[str, Any]) -> dict[str, str]:
    return {line["charge"]: line["amount"] for line in bill["lines"]}


def test_the_charges_asked_for_are_billed_and_the_others_listed(client: Any) -> None:
    whole = client.post("/bill", json={"ruleset": "kr/gimhae", "rows": [ROW_2026]}).json()
    assert whole["results"][0]["error"]["code"] == "unknown_value"
    assert "base (household)" in whole["results"][0]["error"]["message"]
    response = client.post(
        "/bill", json={"ruleset": "kr/gimhae", "rows": [ROW_2026], "charges": WITHOUT_BASE}
    )
    assert response.status_code == 200
    body = response.json()
    conforms(body, "BillResponse")
    assert (body["rows"], body["error_rows"]) == (1, 0)
    (bill,) = body["results"]
    assert _amounts(bill) == {"water": "17000", "sewer": "16400", "levy": "3400"}
    assert bill["total"] == "36800"
    assert bill["not_requested"] == ["base"]


def test_a_subset_gives_the_lines_of_the_whole_bill(client: Any) -> None:
    # 2025-03: the whole bill is 37,900; water and sewer alone are its 17,000 and 16,400.
    whole = client.post("/bill", json={"ruleset": "kr/gimhae", "rows": [ROW_2025]}).json()["results"][0]
    assert whole["total"] == "37900" and "not_requested" not in whole
    part = client.post(
        "/bill", json={"ruleset": "kr/gimhae", "rows": [ROW_2025], "charges": ["sewer", "water"]}
    ).json()["results"][0]
    assert part["lines"] == [line for line in whole["lines"] if line["charge"] in ("water", "sewer")]
    assert part["total"] == "33400"
    assert sorted(part["not_requested"]) == ["base", "levy"]
    # The engine kept for the subset does not answer a request for every charge, nor the reverse.
    again = client.post("/bill", json={"ruleset": "kr/gimhae", "rows": [ROW_2025]}).json()["results"][0]
    assert again == whole


def test_the_answer_is_what_the_bill_command_writes_with_charges(
    client: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = [ROW_2026, ROW_2025, {**ROW_2025, "account": "G-X", "use_class": "spa"}]
    path = tmp_path / "rows.jsonl"
    path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    status, out, _ = run_cli(
        capsys,
        "bill",
        str(path),
        "--ruleset",
        "kr/gimhae",
        "--charges",
        "water,sewer,levy",
        "--explain",
        "full",
    )
    assert status == 1  # the use class 'spa' is an error row
    expected = [json.loads(line) for line in out.splitlines()]
    body = client.post("/bill", json={"ruleset": "kr/gimhae", "rows": rows, "charges": WITHOUT_BASE}).json()
    assert body["results"] == expected
    assert body["error_rows"] == 1 and body["results"][2]["error"]["code"] == "unknown_use_class"


def test_explain_with_charges(client: Any, capsys: pytest.CaptureFixture[str]) -> None:
    refused(client.post("/explain", json={"ruleset": "kr/gimhae", "row": ROW_2026}), "unknown_value")
    response = client.post(
        "/explain", json={"ruleset": "kr/gimhae", "row": ROW_2026, "charges": WITHOUT_BASE}
    )
    assert response.status_code == 200
    body = response.json()
    conforms(body, "ExplainResponse")
    assert body["result"]["total"] == "36800"
    assert body["result"]["not_requested"] == ["base"]
    _, out, _ = run_cli(
        capsys,
        "explain",
        "--ruleset",
        "kr/gimhae",
        "--account",
        "G-26",
        "--use-class",
        "household",
        "--meter-mm",
        "13",
        "--usage",
        "20",
        "--billing-month",
        "2026-03",
        "--charges",
        "water,sewer,levy",
    )
    assert body["explanation"] == out
    assert "total 36800 KRW" in out and "not requested (left out on request): base" in out


def test_charges_that_cannot_be_used_are_refused(client: Any) -> None:
    for route, body in (("/bill", {"rows": [ROW_2025]}), ("/explain", {"row": ROW_2025})):
        for charges in ("water", [], [""], ["  "], [5], [["water"]]):
            refused(
                client.post(route, json={"ruleset": "kr/gimhae", **body, "charges": charges}),
                "invalid_request",
            )
        found = refused(
            client.post(route, json={"ruleset": "kr/gimhae", **body, "charges": ["water", "wter"]}),
            "unknown_charge",
        )
        assert found["error"]["message"] == (
            "kr/gimhae has no charge 'wter'; its charges: base, water, sewer, levy"
        )
    # null is every charge
    response = client.post("/bill", json={"ruleset": "kr/gimhae", "rows": [ROW_2025], "charges": None})
    assert response.json()["results"][0]["total"] == "37900"


def test_without_a_request_ruleset_each_row_is_checked(client: Any) -> None:
    # No ruleset for the request: the rows name theirs, and a charge a row's ruleset does not
    # have makes that row an error row (status 200), as a row of another ruleset does in a file.
    rows = [{**ROW_2025, "ruleset": "kr/gimhae"}, {**ROW_2026, "ruleset": "kr/gimhae"}]
    body = client.post("/bill", json={"rows": rows, "charges": ["water", "wter"]}).json()
    assert body["error_rows"] == 2
    assert {item["error"]["code"] for item in body["results"]} == {"unknown_charge"}
    body = client.post("/bill", json={"rows": rows, "charges": ["levy"]}).json()
    assert [item["total"] for item in body["results"]] == ["3400", "3400"]
    assert status_of("unknown_charge") == 422
