"""Policy sets: defaults, overrides from TOML or the register, locked values, labels on outputs."""
from __future__ import annotations

from decimal import Decimal

import pytest

from ledger.errors import LedgerError
from ledger.policy import DEFAULT, load_toml, with_overrides


def test_default_is_named_and_has_no_differences() -> None:
    assert DEFAULT.label() == "nhs-default@1"
    assert DEFAULT.differences() == {}


def test_overrides_are_printed_with_the_set_name(tmp_path) -> None:
    path = tmp_path / "policy.toml"
    path.write_text('[policy]\nrecurrent_claim_window = "financial_year_only"\n'
                    'signoff_roles_required = ["budget_holder", "finance", "procurement"]\n')
    policy = load_toml(path)
    assert policy.signoff_roles_required == ("budget_holder", "finance", "procurement")
    assert policy.label() == ("nhs-default@1 (recurrent_claim_window=financial_year_only, "
                              "signoff_roles_required=budget_holder+finance+procurement)")


def test_maturity_weights_from_text() -> None:
    policy = with_overrides(DEFAULT, {"maturity_weights": "validated=1,fully_developed=0.8"})
    assert policy.weight("fully_developed") == Decimal("0.8")
    assert policy.weight("in_progress") == Decimal("0")


def test_rag_thresholds_from_a_toml_array_or_text() -> None:
    """`rag_thresholds = [0.9, 0.7]` in a --policy file was refused as "not valid (expected two numbers)"."""
    for value in ([0.9, 0.7], "0.9, 0.7"):
        assert with_overrides(DEFAULT, {"rag_thresholds": value}).rag_thresholds == (Decimal("0.9"), Decimal("0.7"))


@pytest.mark.parametrize(("key", "value", "message"), [
    ("cip_requires_budget_removal", "false", "cannot be changed"),
    ("recurrent_claim_window", "forever", "is not one of"),
    ("no_such_key", "1", "unknown policy key"),
    ("net_of_implementation_costs", "perhaps", "is not true/false"),
    ("net_of_implementation_costs", "false", "CIP is always net of implementation costs"),
    ("proration", "whole_months", "'whole_months' is not one of daily \\(the only value the ledger computes\\)"),
    ("vat_treatment", "net_always", "is not one of ie_cost"),
    ("baseline_price_method", "last_price", "is not one of 12m_volume_weighted_average"),
    ("rebate_recurrence", "recurrent", "is not one of non_recurrent_unless_contractual"),
    ("inflation_avoidance_treatment", "banana", "is not one of cash_if_budget_uplift_removed, always_cost_avoidance"),
    ("maturity_weights", "fully_developed=1.5", "fully_developed=1.5 must be between 0 and 1"),
    ("maturity_weights", "opportunity=-0.1", "opportunity=-0.1 must be between 0 and 1"),
    ("contribution_rates", "acute=2", "acute=2 must be between 0 and 1"),
    ("local_savings_rate", "-0.02", "-0.02 must be between 0 and 1"),
    ("rag_thresholds", "0.75,0.95", "must be green then amber"),
    ("rag_thresholds", "0.9,-0.1", "neither below 0"),
])
def test_bad_overrides_are_refused(key: str, value: str, message: str) -> None:
    with pytest.raises(LedgerError, match=message):
        with_overrides(DEFAULT, {key: value})


def test_unreadable_policy_file(tmp_path) -> None:
    path = tmp_path / "policy.toml"
    path.write_text("this is = = not toml")
    with pytest.raises(LedgerError, match="cannot read policy file"):
        load_toml(path)


@pytest.mark.parametrize(("key", "value", "message"), [
    ("signoff_roles_required", [], "must name budget_holder and finance \\(R-ELG-1\\)"),
    ("signoff_roles_required", ["ceo", "finance"], "must name budget_holder and finance \\(R-ELG-1\\)"),
    ("signoff_roles_required", "budget_holder+ceo+finance", "may add other roles of budget_holder, finance"),
    ("ppib_min_peers", "-3", "must be a whole number of 1 or more"),
    ("local_savings_rate", "abc", r"'abc' is not valid \(expected a number, like 0.018\)"),
    ("ppib_min_peers", "five", r"'five' is not valid \(expected a whole number\)"),
])
def test_a_policy_that_would_empty_a_rule_is_refused(key, value, message) -> None:
    """Without the budget holder and finance no line is validated (counted CIP fell to £0.00), and
    a benchmark needs at least one peer."""
    with pytest.raises(LedgerError, match=message):
        with_overrides(DEFAULT, {key: value})


@pytest.mark.parametrize(("key", "value", "message"), [
    ("ppib_benchmark", "bogus", "'bogus' is not one of lower_quartile, best, median, best_decile"),
    ("tower_attribution", "local", "'local' is not one of catalogue_price_change_to_tower"),
    ("tower_contribution_allocation", "by_spend", "'by_spend' is not one of spend_share, equal, claimed"),
    ("local_savings_rate_source", "prior", "'prior' is not one of prior_year, fixed, ppib_share"),
    ("qia_required_for", "PRODUCT_SWTICH+SPEC_CHANGE", "'PRODUCT_SWTICH' is not one of PRICE_REDUCTION"),
    ("maturity_weights", "validated=1,fully_devloped=0.9", "'fully_devloped' is not one of validated, fully_dev"),
    ("contribution_rates", {"acuet": "0.004"}, "'acuet' is not one of acute, community"),
])
def test_a_value_the_ledger_would_refuse_later_or_ignore_is_refused_when_set(key, value, message) -> None:
    """A register set these, imported, and then every summary failed (or a misspelt name was ignored:
    no QIA required, a maturity weighed 0)."""
    with pytest.raises(LedgerError, match=message):
        with_overrides(DEFAULT, {key: value})


def test_the_choices_are_the_ones_the_ledger_computes() -> None:
    from ledger import benchmark, towers
    from ledger.engine import attribution
    from ledger.policy import CHOICES

    assert set(CHOICES["ppib_benchmark"]) == set(benchmark.BENCHMARKS)
    assert CHOICES["tower_attribution"] == attribution.POLICIES
    assert CHOICES["tower_contribution_allocation"] == towers.ALLOCATIONS
    assert CHOICES["local_savings_rate_source"] == towers.RATE_SOURCES


def test_a_locked_key_with_a_value_of_the_wrong_kind_is_a_message_not_a_traceback() -> None:
    """C1: fy_start_month is locked at April; a value that is no month at all is worded like any
    other bad policy value (a register's Policy row, a --policy file), and April itself is accepted."""
    for raw in ("abc", "4.0"):
        with pytest.raises(LedgerError, match=rf"^policy fy_start_month: '{raw}' is not valid \(expected a whole "
                                              r"number\)$"):
            with_overrides(DEFAULT, {"fy_start_month": raw})
    with pytest.raises(LedgerError, match="policy fy_start_month cannot be changed: the NHS financial year starts"):
        with_overrides(DEFAULT, {"fy_start_month": "5"})
    assert with_overrides(DEFAULT, {"fy_start_month": "4"}) == DEFAULT
