from __future__ import annotations

import pytest

from expense_sync.domain.companies import check_tags, clean_company_name
from expense_sync.domain.errors import InvalidRequest


def test_forbidden_characters_are_removed_as_the_contract_describes() -> None:
    assert clean_company_name("Company (Codat[1])") == "Company Codat1"


def test_allowed_punctuation_is_kept() -> None:
    assert (
        clean_company_name("Smith & Sons, Ltd. - O'Neil @ UK?!")
        == "Smith & Sons, Ltd. - O'Neil @ UK?!"
    )


def test_a_name_of_only_forbidden_characters_is_refused() -> None:
    with pytest.raises(InvalidRequest) as caught:
        clean_company_name("()[]{}")
    assert caught.value.problems[0].item == "name"


def test_tag_limits() -> None:
    assert check_tags({"region": "uk"}) == {"region": "uk"}
    with pytest.raises(InvalidRequest) as caught:
        check_tags({f"k{i}": "v" for i in range(11)} | {"x" * 28: "y" * 101})
    items = {p.item for p in caught.value.problems}
    assert "tags" in items and f"tags.{'x' * 28}" in items
