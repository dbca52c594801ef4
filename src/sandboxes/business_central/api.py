"""The API v2.0 routes of one environment, as one dispatcher over the URL's segments
(``companies({id})/purchaseInvoices({id})/purchaseInvoiceLines``...), so ``$batch`` can
run each of its requests through the same code.

Every request body is held to the entity's schema before anything is stored and every
record answered is held to it after (``schemas``): a break is recorded as a violation
and answered 400 (request) or 500 (answer) with the code ``SandboxSchemaViolation``.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urlencode

from sandboxes.business_central import odata, schemas
from sandboxes.business_central.sandbox import Environment, Sandbox
from sandboxes.business_central.store import PARENT_FIELD, Company, Refused

_SEGMENT = re.compile(r"^([A-Za-z.]+)(?:\(([^)]*)\))?$")
SINGLETONS = {"companyInformation"}


@dataclass
class Answer:
    status: int
    body: Any = None  # JSON, or bytes for a stream
    headers: dict[str, str] = field(default_factory=dict)


def error(status: int, code: str, message: str, headers: dict[str, str] | None = None) -> Answer:
    return Answer(status, {"error": {"code": code, "message": message}}, headers or {})


def violation(kind: str, message: str) -> Answer:
    """The sandbox's own refusal: not a BC answer, so a client cannot mistake it for one."""
    return error(
        400 if kind == "request" else 500,
        "SandboxSchemaViolation",
        f"The {kind} breaks Business Central's v2.0 page: {message}",
        {"X-Sandbox-Violation": kind},
    )


def _segments(path: str) -> list[tuple[str, str | None]]:
    found = []
    for part in [p for p in path.split("/") if p]:
        match = _SEGMENT.match(part)
        if match is None:
            raise Refused(404, "BadRequest_NotFound", f"The request URI is not valid: {part}")
        key = match.group(2)
        found.append((match.group(1), key.strip("'").lower() if key else None))
    return found


class Dispatcher:
    def __init__(self, sandbox: Sandbox, environment: Environment, base_url: str) -> None:
        self.sandbox = sandbox
        self.environment = environment
        self.base_url = base_url

    def company_of(self, requests: list[Any]) -> Company | None:
        """The company a batch writes to (its first request naming one)."""
        for item in requests:
            url = str(item.get("url", "")) if isinstance(item, dict) else ""
            if url.startswith("$"):
                continue
            try:
                segments = _segments(url.partition("?")[0])
            except Refused:
                continue
            if segments and segments[0][0] == "companies" and segments[0][1]:
                return self.environment.companies.get(segments[0][1])
        return None

    def handle(
        self, method: str, path: str, query: dict[str, str], headers: dict[str, str], body: bytes
    ) -> Answer:
        try:
            return self._handle(
                method.upper(), path, query, {k.lower(): v for k, v in headers.items()}, body
            )
        except _Violation as broken:
            self.sandbox.record_violation(broken.kind, method, path, broken.message)
            return violation(broken.kind, broken.message)
        except Refused as refused:
            return error(refused.status, refused.code, refused.message)

    def _handle(
        self, method: str, path: str, query: dict[str, str], headers: dict[str, str], body: bytes
    ) -> Answer:
        segments = _segments(path)
        if not segments or segments[0][0] != "companies":
            raise Refused(404, "BadRequest_NotFound", f"No resource at {path}.")
        if len(segments) == 1:
            return self._list(
                "companies", list(self.environment.records.values()), query, path, None
            )
        company_id = segments[0][1]
        company = self.environment.companies.get(company_id or "")
        if company is None:
            raise Refused(404, "BadRequest_NotFound", f"The company {company_id} does not exist.")
        rest = segments[1:]
        if not rest:
            return self._one("companies", self.environment.records[company.company_id], None)
        name, record_id = rest[-1]
        if (
            name == "Microsoft.NAV.post"
            and len(rest) == 2
            and rest[0][0] == "purchaseInvoices"
            and method == "POST"
        ):
            company.post_invoice(rest[0][1] or "")
            return Answer(204)
        if name == "attachmentContent" and len(rest) == 2 and rest[0][0] == "documentAttachments":
            return self._content(company, method, rest[0][1] or "", headers, body)
        if name not in schemas.entities() or name == "companies":
            raise Refused(404, "BadRequest_NotFound", f"The collection {name} does not exist.")
        parent = rest[-2][1] if len(rest) >= 2 else None
        if len(rest) >= 2 and name not in PARENT_FIELD:
            raise Refused(404, "BadRequest_NotFound", f"{name} is not under {rest[-2][0]}.")
        if record_id is None:
            if method == "GET":
                if name in SINGLETONS:
                    records = list(company.table(name).values())
                    return self._list(name, records, query, path, company)
                records = list(company.table(name).values())
                if parent is not None:
                    records = [r for r in records if r[PARENT_FIELD[name]] == parent]
                return self._list(name, records, query, path, company)
            if method == "POST":
                payload = self._body(name, body)
                if parent is not None and name == "dimensionSetLines":
                    payload.setdefault("parentId", parent)
                created = company.insert(
                    name, payload, parent if name != "dimensionSetLines" else None
                )
                return self._one(name, created, company, status=201)
            raise Refused(
                405, "BadRequest_MethodNotAllowed", f"'{method}' is not allowed on {name}."
            )
        if method == "GET":
            return self._one(name, company.find(name, record_id), company)
        if method == "PATCH":
            updated = company.update(
                name, record_id, self._body(name, body), headers.get("if-match")
            )
            return self._one(name, updated, company)
        if method == "DELETE":
            company.delete(name, record_id, headers.get("if-match"))
            return Answer(204)
        raise Refused(405, "BadRequest_MethodNotAllowed", f"'{method}' is not allowed on {name}.")

    def _body(self, collection: str, body: bytes) -> dict[str, Any]:
        try:
            payload = json.loads(body or b"{}")
        except ValueError as bad_json:
            raise _Violation("request", f"the body is not JSON ({bad_json})") from bad_json
        problem = schemas.errors(schemas.body_validator(collection), payload)
        if problem:
            raise _Violation("request", f"{collection} ({schemas.source(collection)}): {problem}")
        return dict(payload)

    def _checked(
        self, collection: str, record: dict[str, Any], company: Company | None
    ) -> dict[str, Any]:
        shown = (
            company.with_etag(record) if company is not None else {"@odata.etag": 'W/"1"', **record}
        )
        problem = schemas.errors(schemas.record_validator(collection), shown)
        if problem:
            raise _Violation("response", f"{collection} ({schemas.source(collection)}): {problem}")
        return shown

    def _one(
        self, collection: str, record: dict[str, Any], company: Company | None, status: int = 200
    ) -> Answer:
        shown = self._checked(collection, record, company)
        return Answer(
            status,
            {"@odata.context": f"{self.base_url}/$metadata#{collection}/$entity", **shown},
            {"ETag": shown["@odata.etag"]},
        )

    def _list(
        self,
        collection: str,
        records: list[dict[str, Any]],
        query: dict[str, str],
        path: str,
        company: Company | None,
    ) -> Answer:
        fields = schemas.field_names(collection)
        match = odata.predicate(query.get("$filter"), fields)
        chosen = [r for r in records if match(r)]
        shown, following = odata.page(chosen, query, self.sandbox.config.page_size, "")
        answer: dict[str, Any] = {
            "@odata.context": f"{self.base_url}/$metadata#{collection}",
            "value": [self._checked(collection, r, company) for r in shown],
        }
        if following is not None:
            rest = {k: v for k, v in query.items() if k not in ("$skip", "$skiptoken", "$top")}
            params = dict(p.split("=", 1) for p in following.lstrip("?").split("&"))
            rest.update({k: params[k] for k in ("$top", "$skiptoken") if k in params})
            answer["@odata.nextLink"] = (
                f"{self.base_url}/{path.lstrip('/')}?{urlencode(rest, quote_via=quote)}"
            )
        return Answer(200, answer)

    def _content(
        self, company: Company, method: str, record_id: str, headers: dict[str, str], body: bytes
    ) -> Answer:
        if method == "GET":
            record = company.find("documentAttachments", record_id)
            return Answer(
                200,
                company.contents.get(record["id"], b""),
                {"Content-Type": "application/octet-stream"},
            )
        if method == "PATCH":
            company.set_content(record_id, body, headers.get("if-match"))
            return Answer(204)
        raise Refused(
            405, "BadRequest_MethodNotAllowed", f"'{method}' is not allowed on attachmentContent."
        )


class _Violation(Refused):
    def __init__(self, kind: str, message: str) -> None:
        super().__init__(400 if kind == "request" else 500, "SandboxSchemaViolation", message)
        self.kind = kind
