"""Company rules from the contract: allowed name characters and tag limits."""

from __future__ import annotations

import re

from expense_sync.domain.errors import InvalidRequest, Problem

# The contract's `name` pattern is ^[A-Za-z0-9\s\-',&@.,?!\s]+$; on create, Codat removes
# any other character rather than refusing the name ("Company (Codat[1])" -> "Company Codat1").
_FORBIDDEN_NAME_CHARS = re.compile(r"[^A-Za-z0-9\s\-',&@.?!]")
MAX_TAGS = 10
MAX_TAG_KEY_LENGTH = 27
MAX_TAG_VALUE_LENGTH = 100


def clean_company_name(raw: str) -> str:
    """Strip the characters the contract forbids; refuse a name left empty."""
    cleaned = " ".join(_FORBIDDEN_NAME_CHARS.sub("", raw).split())
    if not cleaned:
        raise InvalidRequest.for_field(
            "name",
            "name must contain at least one letter, digit or one of - ' , & @ . ? ! "
            "(other characters are removed).",
        )
    return cleaned


def check_tags(tags: dict[str, str]) -> dict[str, str]:
    problems: list[Problem] = []
    if len(tags) > MAX_TAGS:
        problems.append(Problem("tags", f"at most {MAX_TAGS} tags are allowed, got {len(tags)}."))
    for key, value in tags.items():
        if not 1 <= len(key) <= MAX_TAG_KEY_LENGTH or "\n" in key or "\r" in key:
            problems.append(
                Problem(
                    f"tags.{key}",
                    f"tag keys must be 1-{MAX_TAG_KEY_LENGTH} characters on one line.",
                )
            )
        if len(value) > MAX_TAG_VALUE_LENGTH:
            problems.append(
                Problem(
                    f"tags.{key}", f"tag values must be at most {MAX_TAG_VALUE_LENGTH} characters."
                )
            )
    if problems:
        raise InvalidRequest("The company's tags are not valid.", problems)
    return tags
