"""A catalog (its rulesets and compiled versions) is shared by threads: what each thread bills
is what one thread alone bills."""

from __future__ import annotations

import io
from concurrent.futures import ThreadPoolExecutor

import tariffcore
from tariffcore.rows import bill_to_dict, error_to_dict
from tariffcore.synthetic import write_city


def _rows(count: int) -> list[tuple[tariffcore.Account, tariffcore.Reading] | None]:
    text = io.StringIO()
    write_city(text, count, seed=11, small_meter=13)
    text.seek(0)
    return [row.parsed for row in tariffcore.read_rows(text)]


def _bills(
    catalog: tariffcore.Catalog,
    ruleset: str,
    rows: list[tuple[tariffcore.Account, tariffcore.Reading] | None],
) -> list[dict[str, object]]:
    found = []
    for parsed in rows:
        assert parsed is not None
        account, reading = parsed
        try:
            found.append(bill_to_dict(catalog.bill(ruleset, account, reading)))
        except tariffcore.BillingError as error:
            found.append(error_to_dict(account.id, error))
    return found


def test_threads_sharing_a_fresh_catalog_bill_as_one_thread_does() -> None:
    rows = _rows(400)
    alone = {
        ruleset: _bills(tariffcore.load_catalog(), ruleset, rows) for ruleset in ("kr/daejeon", "kr/gimhae")
    }
    # A catalog loaded afresh: its versions' plans and memos are filled by the threads racing.
    shared = tariffcore.load_catalog()
    work = [ruleset for ruleset in alone for _ in range(4)]
    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(pool.map(lambda ruleset: (ruleset, _bills(shared, ruleset, rows)), work))
    for ruleset, bills in answers:
        assert bills == alone[ruleset]
    assert any("error" not in bill for bill in alone["kr/gimhae"])
