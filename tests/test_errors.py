"""The error contract: one class per code, every code documented with its HTTP status, the
service's status map read from the same classes."""

from __future__ import annotations

import ast
import pickle
import sys
from datetime import date
from decimal import Decimal

import pytest

import tariffcore
from tariffcore.errors import ERROR_CLASSES, BillingError, error_meaning
from tariffcore.service import BILLING_STATUS, SERVICE_CODES, SERVICE_STATUS, billing_codes, status_of
from tests.helpers import ROOT

SOURCES = [ROOT / "src" / "tariffcore", *sorted((ROOT / "plugins").glob("*/src"))]
sys.path.insert(0, str(ROOT / "docs" / "hooks"))
import sitegen  # noqa: E402


def _literal(node: ast.expr | None) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def _codes(kind: str) -> dict[str, list[str]]:
    """Codes found in the sources, with where: ``billing`` (a ``code="…"`` argument or a
    class's ``code = "…"``) or ``service`` (the code a ``ServiceError`` or an
    ``error_response`` is made with)."""
    found: dict[str, list[str]] = {}
    for root in SOURCES:
        for path in sorted(root.rglob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for node in ast.walk(tree):
                code = None
                if kind == "billing" and isinstance(node, ast.Call):
                    code = next((_literal(k.value) for k in node.keywords if k.arg == "code"), None)
                elif kind == "billing" and isinstance(node, ast.ClassDef):
                    for item in node.body:
                        if (
                            isinstance(item, ast.Assign)
                            and any(isinstance(t, ast.Name) and t.id == "code" for t in item.targets)
                            or isinstance(item, ast.AnnAssign)
                            and getattr(item.target, "id", None) == "code"
                        ):
                            code = _literal(item.value)
                elif kind == "service" and isinstance(node, ast.Call) and node.args:
                    name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
                    if name in ("ServiceError", "error_response"):
                        code = _literal(node.args[0])
                if code is not None:
                    found.setdefault(code, []).append(f"{path.relative_to(ROOT)}:{node.lineno}")
    return found


def test_every_billing_code_raised_has_its_class_its_status_and_its_line_in_the_docs() -> None:
    raised = _codes("billing")
    assert {"unknown_use_class", "no_rate", "billing_cycle", "invalid_value"} <= set(raised)
    missing = {code: where for code, where in raised.items() if code not in ERROR_CLASSES}
    assert not missing, f"codes without a class in tariffcore.errors: {missing}"
    assert set(BILLING_STATUS) == set(ERROR_CLASSES)
    table = sitegen.error_codes_reference()
    for code, cls in ERROR_CLASSES.items():
        assert cls.code == code and issubclass(cls, BillingError)
        assert BILLING_STATUS[code] == cls.http_status == status_of(code)
        assert getattr(tariffcore, cls.__name__) is cls, f"{cls.__name__} is not exported"
        assert error_meaning(cls), cls
        assert f"| `{code}` | `{cls.__name__}` | {cls.http_status} |" in table, code
    assert len(billing_codes()) == len(ERROR_CLASSES)


def test_every_service_code_raised_has_a_status_and_its_line_in_the_docs() -> None:
    raised = _codes("service")
    assert {"bad_json", "body_too_large", "invalid_request", "not_found"} <= set(raised)
    missing = {code: where for code, where in raised.items() if code not in {*SERVICE_CODES, *ERROR_CLASSES}}
    assert not missing, f"service codes without a status: {missing}"
    assert not set(SERVICE_STATUS) & set(ERROR_CLASSES)
    table = sitegen.error_codes_reference()
    for code, (status, meaning) in SERVICE_CODES.items():
        assert f"| `{code}` | {status} |" in table and meaning, code
    assert status_of("a_plugins_own_code") == 422


def test_the_errors_page_holds_the_generated_table_and_the_service_page_does_not_repeat_it() -> None:
    page = (ROOT / "docs" / "errors.md").read_text(encoding="utf-8")
    assert "<!-- generated: error-codes -->" in page
    service = (ROOT / "docs" / "service.md").read_text(encoding="utf-8")
    assert "| `invalid_input` |" not in service and "errors.md#codes" in service


def test_the_core_raises_each_code_through_its_class() -> None:
    # The plug-ins may pass a code (the class is chosen from it); the core names the class.
    core = {
        code: [w for w in where if w.startswith("src/")]
        for code, where in _codes("billing").items()
        if any(w.startswith("src/") for w in where)
    }
    declared = {cls.code for cls in ERROR_CLASSES.values()}
    calls = {code: where for code, where in core.items() if code not in declared or len(where) > 1}
    assert not calls, f"a code passed as code=... in the core: {calls}"


@pytest.mark.parametrize("code", sorted(ERROR_CLASSES))
def test_an_error_made_with_a_code_is_of_its_class_and_pickles(code: str) -> None:
    error = BillingError("the sentence", code=code)
    assert type(error) is ERROR_CLASSES[code] and error.code == code and error.message == "the sentence"
    again = pickle.loads(pickle.dumps(error))
    assert type(again) is type(error) and again.code == code and again.message == "the sentence"


def test_a_code_of_another_branch_or_a_plugins_own_keeps_the_class_it_was_raised_as() -> None:
    plugin = tariffcore.NotApplicableError("no such meter", code="a_plugins_own_code")
    assert type(plugin) is tariffcore.NotApplicableError and plugin.code == "a_plugins_own_code"
    other = tariffcore.InputError("odd", code="no_rate")  # no_rate is not an input error
    assert type(other) is tariffcore.InputError and other.code == "no_rate"
    assert pickle.loads(pickle.dumps(plugin)).code == "a_plugins_own_code"


def test_two_classes_cannot_claim_one_code() -> None:
    with pytest.raises(TypeError, match="already belongs to NoRateError"):

        class Another(tariffcore.NotApplicableError):
            code = "no_rate"


def test_the_row_results_of_rulesets_are_billing_errors_of_their_own_classes() -> None:
    missing = tariffcore.errors.row_result(None, lambda ref: None)
    assert isinstance(missing, tariffcore.NoRulesetError) and missing.code == "no_ruleset"

    def unknown(ref: str) -> None:
        raise tariffcore.UnknownRulesetError(f"no ruleset {ref!r}")

    found = tariffcore.errors.row_result("kr/nowhere", unknown)
    assert isinstance(found, tariffcore.RulesetNotFoundError) and found.code == "unknown_ruleset"
    assert isinstance(found, tariffcore.UnknownRulesetError) and found.http_status == 404

    def broken(ref: str) -> None:
        raise tariffcore.RulesetError([tariffcore.Problem("a.yaml", 1, 1, "bad")])

    bad = tariffcore.errors.row_result("kr/x", broken)
    assert isinstance(bad, tariffcore.BrokenRulesetError) and bad.http_status == 500


def test_each_case_of_not_applicable_has_its_own_code(catalog: tariffcore.Catalog) -> None:
    march = tariffcore.Reading(Decimal(7), billing_month=date(2025, 3, 1))
    # Gimhae has no use class 'spa': unknown_use_class, an UnknownUseClassError
    with pytest.raises(tariffcore.UnknownUseClassError) as unknown:
        catalog.bill("kr/gimhae", tariffcore.Account("A", "spa", meter_mm=13), march)
    assert unknown.value.code == "unknown_use_class" and isinstance(
        unknown.value, tariffcore.NotApplicableError
    )


def test_a_class_without_a_rate_is_no_rate_not_an_unknown_class() -> None:
    from tests.helpers import account, reading, version

    v = version(
        {"water": {"type": "graduated", "label": "water", "source": "s", "classes": {"household": 850}}}
    )
    with pytest.raises(tariffcore.NoRateError) as caught:
        v.bill(account("general"), reading(5))
    assert caught.value.code == "no_rate" and not isinstance(caught.value, tariffcore.UnknownUseClassError)
    with pytest.raises(tariffcore.UnknownUseClassError):
        v.bill(account("housold"), reading(5))
