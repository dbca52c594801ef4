"""Company configuration defaults fill what a transaction leaves out."""

from __future__ import annotations

from expense_sync.domain.expenses import read_transaction, with_defaults

DEFAULTS = {"bankAccount": "Card", "supplier": "SUP-1", "customer": "CUS-1"}


def _expense(kind_type: str, **extra: object) -> dict[str, object]:
    return {
        "type": kind_type,
        "issueDate": "2026-11-02",
        "currency": "USD",
        "lines": [{"netAmount": 5, "accountRef": {"id": "Income:CardRewards"}}],
        **extra,
    }


def test_a_reward_takes_the_default_customer_and_a_payment_the_supplier() -> None:
    reward, _ = read_transaction("expense", _expense("Reward"), transaction_id="t1")
    payment, _ = read_transaction("expense", _expense("Payment"), transaction_id="t2")
    assert reward is not None and payment is not None
    assert with_defaults(reward, DEFAULTS).refs == {
        "contact": "CUS-1",
        "contactKind": "customer",
        "bankAccount": "Card",
    }
    assert with_defaults(payment, DEFAULTS).refs["contact"] == "SUP-1"


def test_what_the_transaction_names_wins_over_the_defaults() -> None:
    body = _expense("Payment", contactRef={"id": "SUP-9"}, bankAccountRef={"id": "Bank"})
    payment, _ = read_transaction("expense", body, transaction_id="t3")
    assert payment is not None
    refs = with_defaults(payment, DEFAULTS).refs
    assert (refs["contact"], refs["bankAccount"], refs.get("contactKind")) == (
        "SUP-9",
        "Bank",
        None,
    )
