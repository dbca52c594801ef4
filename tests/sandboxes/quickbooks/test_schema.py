"""Holding JSON to Intuit's XSDs: the adapter's order, refusals naming the error, the seeds."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import httpx
import pytest

from sandboxes.quickbooks import RunningSandbox, schema
from sandboxes.quickbooks.seeds import SEEDS, new_company
from tests.sandboxes.quickbooks.payloads import expense_line, purchase


def test_the_adapter_orders_children_as_the_xsd_sequence() -> None:
    # JSON order: Line before TxnDate before AccountRef; the XSD's: TxnDate, Line, AccountRef.
    node = schema.to_xml(
        "Purchase",
        {
            "AccountRef": {"value": "3", "name": "Card"},
            "Line": [expense_line(1)],
            "TxnDate": "2026-11-30",
            "sparse": False,
        },
    )
    tags = [child.tag.split("}")[1] for child in node]
    assert tags == ["TxnDate", "Line", "AccountRef"]
    assert node.get("sparse") == "false"
    account = node.find(f"{{{schema.NS}}}AccountRef")
    assert account is not None and (account.text, account.get("name")) == ("3", "Card")
    assert ET.tostring(node).startswith(b"<ns0:Purchase")


@pytest.mark.parametrize(
    ("body", "named"),
    [
        ({"TxnDate": "2026-02-30"}, "TxnDate"),
        ({"PaymentType": "Card"}, "PaymentType"),
        ({"Memo": "x", "Colour": "red"}, "Colour"),
        ({"Line": [{"Amount": "ten"}]}, "Amount"),
        ({"Credit": "maybe"}, "Credit"),
    ],
)
def test_a_body_breaking_the_xsd_is_refused_naming_the_error(
    api: httpx.Client, qbo: RunningSandbox, body: dict[str, object], named: str
) -> None:
    answer = api.post("/purchase", json={**purchase(), **body})
    assert answer.status_code == 400
    assert answer.headers["x-sandbox-violation"] == "request"
    error = answer.json()["Fault"]["Error"][0]
    assert error["code"] == "SandboxSchemaViolation"
    assert named in error["Detail"]
    assert error["Detail"].startswith("The request breaks Intuit's XSD: /Purchase")
    recorded = qbo.violations()
    assert recorded[-1]["kind"] == "request"
    assert named in recorded[-1]["error"]
    qbo.control("DELETE", "violations")
    assert qbo.violations() == []


def test_every_seeded_record_keeps_the_xsd() -> None:
    for seed in SEEDS:
        company = new_company(seed)
        for entity, records in company.entities.items():
            for record in records.values():
                assert schema.errors(entity, record) is None, (seed, entity, record)


def test_an_answer_breaking_the_xsd_would_be_found() -> None:
    assert schema.errors("IntuitResponse", {"Purchase": {"HomeTotalAmt": 1}}) is not None
    assert schema.errors("IntuitResponse", {"QueryResponse": {"totalCount": "many"}}) is not None
    fault = {"Fault": {"Error": [{"Message": "m", "code": "6000"}], "type": "ValidationFault"}}
    assert schema.errors("IntuitResponse", fault) is None


def test_the_entities_served_are_intuits() -> None:
    from sandboxes.quickbooks.state import ENTITIES

    assert set(ENTITIES.values()) <= schema.entity_names()


def test_a_request_must_ask_for_json_and_send_json(api: httpx.Client, qbo: RunningSandbox) -> None:
    xml = api.get("/companyinfo/1", headers={"Accept": "application/xml"})
    assert xml.status_code == 400
    assert "QuickBooks would answer XML" in xml.json()["Fault"]["Error"][0]["Detail"]
    form = api.post("/purchase", data={"PaymentType": "Cash"})
    assert form.status_code == 400
    assert "QuickBooks reads application/json" in form.json()["Fault"]["Error"][0]["Detail"]
    assert [v["kind"] for v in qbo.violations()] == ["request", "request"]
