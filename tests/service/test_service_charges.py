"""``charges`` in ``POST /bill`` and ``POST /explain``: only the charges asked for are billed,
through real HTTP on 127.0.0.1, as ``--charges`` bills them on the command line."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

httpx = pytest.importorskip("httpx")
pytest.importorskip("starlette")
pytest.importorskip("uvicorn")

from tariffcore.service import Settings, running, status_of  # noqa: E402
from tests.helpers import run_cli  # noqa: E402
from tests.service.test_service import conforms, refused  # noqa: E402

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


@pytest.fixture(scope="module")
def client() -> Iterator[Any]:
    with running(settings=Settings()) as base, httpx.Client(base_url=base, timeout=30) as session:
        yield session


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
        capsys, "bill", str(path), "--ruleset", "kr/gimhae", "--charges", "water,sewer,levy"
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
