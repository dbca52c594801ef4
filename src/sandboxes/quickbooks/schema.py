"""Holding QuickBooks JSON to Intuit's XML schemas (``IntuitRestServiceDef.xsd`` and friends).

QuickBooks Online has no OpenAPI file; Intuit publishes the XSDs its JSON is generated from
(element names become keys, attributes become keys too, a simple-content element with
attributes becomes ``{"value": ..., "name": ...}``, a repeated element becomes a list).
So a JSON entity is turned back into the XML element it stands for, children in the order
of the type's content model (JSON has no order; XML does), and validated with xmlschema.
A key the type does not have stays in the element and xmlschema names it.

One adjustment to the files as published: three extension elements (``TransferEx``,
``CheckPaymentEx``, ``CreditCardPaymentEx``, type ``IntuitAnyType``) lack the
``minOccurs="0"`` every other ``...Ex`` element has, which would make every Transfer
QuickBooks itself answers invalid; they are read as optional.
"""

from __future__ import annotations

import functools
import os
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import xmlschema
from xmlschema.validators import XsdComplexType, XsdElement

NS = "http://schema.intuit.com/finance/v3"
_Q = f"{{{NS}}}"


def reference_dir() -> Path:
    """Intuit's XSDs: ``QBO_SANDBOX_XSD_DIR`` or the project's shared reference."""
    configured = os.environ.get("QBO_SANDBOX_XSD_DIR")
    if configured:
        return Path(configured)
    for parent in Path(__file__).resolve().parents:
        candidate = parent / "shared" / "reference" / "quickbooks-online"
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(
        "Intuit's XSDs (IntuitRestServiceDef.xsd, Finance.xsd, ...) were not found in a "
        "shared/reference/quickbooks-online folder above the sandbox; name their folder "
        "with QBO_SANDBOX_XSD_DIR."
    )


OPTIONAL_EXTENSIONS = {"TransferEx", "CheckPaymentEx", "CreditCardPaymentEx"}


@functools.cache
def schema() -> xmlschema.XMLSchema:
    """Intuit's schemas, parsed once (about a second)."""
    parsed = xmlschema.XMLSchema(str(reference_dir() / "IntuitRestServiceDef.xsd"))
    for xsd_type in parsed.maps.types.values():
        content: Any = getattr(xsd_type, "content", None)
        if not hasattr(content, "iter_elements"):
            continue
        for child in content.iter_elements():
            if child.local_name in OPTIONAL_EXTENSIONS:
                child.min_occurs = 0
    return parsed


def element(name: str) -> XsdElement:
    found: XsdElement = schema().maps.elements[_Q + name]
    return found


def _children(xsd_type: XsdComplexType) -> dict[str, tuple[int, XsdElement]]:
    """The child elements a type allows, by local name, with their place in its sequence.

    A substitution group's members (``Purchase`` for ``IntuitObject``) take the head's place.
    """
    return _children_cached(xsd_type)


@functools.cache
def _children_cached(xsd_type: XsdComplexType) -> dict[str, tuple[int, XsdElement]]:
    found: dict[str, tuple[int, XsdElement]] = {}
    content = xsd_type.content
    if xsd_type.has_simple_content() or not hasattr(content, "iter_elements"):
        return found
    groups = schema().maps.substitution_groups
    for index, child in enumerate(content.iter_elements()):
        found.setdefault(child.local_name, (index, child))
        for member in groups.get(child.name, ()):
            found.setdefault(member.local_name, (index, member))
    return found


def _text(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def to_xml(name: str, value: Any, xsd: XsdElement | None = None) -> ET.Element:
    """The XML element ``<name>`` a JSON value stands for, in the XSD's namespace and order."""
    if xsd is None:
        xsd = element(name)
    node = ET.Element(_Q + name)
    xsd_type = xsd.type
    if not isinstance(value, dict):
        node.text = _text(value)
        return node
    if not isinstance(xsd_type, XsdComplexType):
        node.text = repr(value)  # an object where the schema wants text: xmlschema says so
        return node
    attributes = set(xsd_type.attributes.keys())
    children = _children(xsd_type)
    placed: list[tuple[int, int, ET.Element]] = []
    for position, (key, item) in enumerate(value.items()):
        if key in attributes and not isinstance(item, dict | list):
            node.set(key, _text(item))
        elif key == "value" and xsd_type.has_simple_content():
            node.text = _text(item)
        else:
            index, child = children.get(key, (10**6, None))
            for each in item if isinstance(item, list) else [item]:
                if child is None:
                    unknown = ET.Element(_Q + key)
                    unknown.text = _text(each) if not isinstance(each, dict) else None
                    placed.append((index, position, unknown))
                else:
                    placed.append((index, position, to_xml(key, each, child)))
    for _, _, child_node in sorted(placed, key=lambda p: (p[0], p[1])):
        node.append(child_node)
    return node


def errors(name: str, value: Any) -> str | None:
    """The first way the JSON ``value`` of element ``name`` breaks Intuit's schema, or None."""
    try:
        node = to_xml(name, value)
    except KeyError:
        return f"{name} is not an element of Intuit's schema"
    for error in schema().iter_errors(node):
        return _describe(error)
    return None


def _describe(error: xmlschema.XMLSchemaValidationError) -> str:
    reason = (error.reason or str(error.message)).replace(_Q, "")
    where = (error.path or "").replace(_Q, "").replace("ns0:", "")
    return f"{where}: {reason}" if where else reason


def has_child(name: str, child: str) -> bool:
    """Whether element ``name``'s type has a child element ``child`` (``HomeTotalAmt``...)."""
    xsd_type = element(name).type
    return isinstance(xsd_type, XsdComplexType) and child in _children(xsd_type)


def entity_names() -> frozenset[str]:
    """Every entity Intuit's schema declares (members of the ``IntuitObject`` group)."""
    members = schema().maps.substitution_groups.get(_Q + "IntuitObject", ())
    return frozenset(m.local_name for m in members)
