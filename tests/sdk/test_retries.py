"""Retry timing and idempotency keys, with httpx.MockTransport standing in for the network.

The server side of retries (a repeat with the same key is answered, not redone) is
proven against the real server in test_faults.py; here the jitter is fixed so every wait
is known exactly.
"""

from __future__ import annotations

import asyncio
import io
import json
import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

import httpx
import pytest

from expense_sync.client import (
    BackoffStrategy,
    ErrorMessage,
    ExpenseSync,
    RetryConfig,
    SDKError,
    Upload,
)
from expense_sync.client.retries import retry_after

EXACT = RetryConfig("backoff", BackoffStrategy(100, 1_000, 2.0, 60_000), True, jitter=lambda d: d)
ERROR_BODY = {"statusCode": 503, "error": "busy", "correlationId": "c-1", "canBeRetried": "True"}
COMPANY = {"id": "c1", "name": "Acme", "redirect": "r", "created": "2026-01-01T00:00:00Z"}


class Script:
    """Answers requests from a list in order and records what was sent."""

    def __init__(self, *answers: httpx.Response | Exception) -> None:
        self.answers = list(answers)
        self.requests: list[httpx.Request] = []
        self.bodies: list[bytes] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        self.bodies.append(request.read())
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer


class FakeTime:
    """A clock that moves only when the SDK sleeps; records every wait."""

    def __init__(self) -> None:
        self.now, self.waits = 0.0, list[float]()

    def sleep(self, seconds: float) -> None:
        self.now += seconds
        self.waits.append(seconds)

    async def async_sleep(self, seconds: float) -> None:
        self.sleep(seconds)


def fake_time(sdk: ExpenseSync) -> list[float]:
    time = FakeTime()
    sdk._core.clock, sdk._core.sleep = (lambda: time.now), time.sleep
    sdk._core.async_sleep = time.async_sleep
    return time.waits


def client(script: Script, retries: RetryConfig = EXACT) -> tuple[ExpenseSync, list[float]]:
    sdk = ExpenseSync(
        api_key="k",
        server_url="http://sdk.test",
        retry_config=retries,
        client=httpx.Client(transport=httpx.MockTransport(script)),
    )
    return sdk, fake_time(sdk)


def ok(body: object = COMPANY, status: int = 200) -> httpx.Response:
    return httpx.Response(status, json=body)


def test_backoff_grows_caps_and_keeps_one_idempotency_key() -> None:
    script = Script(
        ok(ERROR_BODY, 503), ok(ERROR_BODY, 502), ok(ERROR_BODY, 500), ok(ERROR_BODY, 504),
        ok(ERROR_BODY, 408), httpx.ConnectError("refused"), ok(),
    )  # fmt: skip
    sdk, waits = client(script)
    company = sdk.companies.create(request={"name": "Acme"})
    assert company.id == "c1"
    assert waits == [0.1, 0.2, 0.4, 0.8, 1.0, 1.0]  # 100 ms doubling, capped at 1 s
    keys = {request.headers["Idempotency-Key"] for request in script.requests}
    assert len(script.requests) == 7 and len(keys) == 1
    assert len(set(script.bodies)) == 1 and json.loads(script.bodies[0]) == {"name": "Acme"}
    assert script.requests[0].headers["Authorization"] == "Basic aw=="


def test_every_call_draws_its_own_key_and_reads_carry_none() -> None:
    script = Script(ok(), ok(), ok())
    sdk, _ = client(script)
    sdk.companies.create(request={"name": "A"})
    sdk.companies.create(request={"name": "A"}, idempotency_key="mine-1")
    sdk.companies.get(company_id="c1")
    first, second, read = script.requests
    assert first.headers["Idempotency-Key"] != "mine-1"
    assert second.headers["Idempotency-Key"] == "mine-1"
    assert "Idempotency-Key" not in read.headers


def test_retry_after_in_seconds_or_as_a_date_sets_the_minimum_wait() -> None:
    later = format_datetime(datetime.now(UTC) + timedelta(seconds=30), usegmt=True)
    script = Script(
        httpx.Response(429, headers={"Retry-After": "7"}, json=ERROR_BODY),
        httpx.Response(429, headers={"Retry-After": later}, json=ERROR_BODY),
        ok(),
    )
    sdk, waits = client(script)
    sdk.companies.get(company_id="c1")
    assert waits[0] == 7
    assert 25 < waits[1] <= 30
    assert retry_after({"retry-after": "soon"}) is None


def test_only_retryable_answers_are_retried() -> None:
    in_flight = {**ERROR_BODY, "statusCode": 409, "canBeRetried": "True"}
    conflict = {**ERROR_BODY, "statusCode": 409, "canBeRetried": "False"}
    script = Script(ok(in_flight, 409), ok(), ok(conflict, 409))
    sdk, waits = client(script)
    sdk.companies.create(request={"name": "A"})
    assert waits == [0.1]
    with pytest.raises(ErrorMessage) as refused:
        sdk.companies.create(request={"name": "A"})
    assert refused.value.data.status_code == 409 and waits == [0.1]

    bad = Script(ok({"statusCode": 400, "error": "no", "correlationId": "c"}, 400))
    sdk, waits = client(bad)
    with pytest.raises(ErrorMessage):
        sdk.companies.get(company_id="c1")
    assert waits == [] and len(bad.requests) == 1


def test_giving_up_raises_the_last_answer_or_connection_error() -> None:
    budget = RetryConfig("backoff", BackoffStrategy(100, 1_000, 2.0, 250), jitter=lambda d: d)
    sdk, waits = client(Script(*[ok(ERROR_BODY, 503)] * 3), budget)
    with pytest.raises(ErrorMessage) as busy:
        sdk.companies.get(company_id="c1")
    assert busy.value.data.status_code == 503 and waits == [0.1]  # 0.1 + 0.2 > 0.25

    no_connection_retries = RetryConfig("backoff", retry_connection_errors=False)
    sdk, waits = client(Script(httpx.ReadError("reset")), no_connection_retries)
    with pytest.raises(httpx.ReadError):
        sdk.companies.get(company_id="c1")
    assert waits == []

    sdk, waits = client(Script(ok(ERROR_BODY, 503)), RetryConfig("none"))
    with pytest.raises(ErrorMessage):
        sdk.companies.get(company_id="c1")


def test_per_call_retries_override_the_clients() -> None:
    sdk, waits = client(Script(ok(ERROR_BODY, 503)), EXACT)
    with pytest.raises(ErrorMessage):
        sdk.companies.get(company_id="c1", retries=RetryConfig("none"))
    sdk, waits = client(Script(ok(ERROR_BODY, 503), ok()), RetryConfig("none"))
    assert sdk.companies.get(company_id="c1", retries=EXACT).name == "Acme"
    assert waits == [0.1]


def test_default_jitter_stays_within_half_to_full_delay() -> None:
    config = RetryConfig("backoff", BackoffStrategy(1_000, 60_000, 1.5, 3_600_000))
    waits = [config.delay(3) for _ in range(200)]
    assert all(1.125 <= wait <= 2.25 for wait in waits)
    assert len(set(waits)) > 1


def test_an_answer_that_is_not_an_error_message_is_an_sdk_error() -> None:
    page = httpx.Response(502, text="<html>Bad gateway</html>")
    sdk, _ = client(Script(page), RetryConfig("none"))
    with pytest.raises(SDKError) as odd:
        sdk.companies.get(company_id="c1")
    assert odd.value.status_code == 502 and odd.value.body == "<html>Bad gateway</html>"
    assert odd.value.raw_response.status_code == 502
    assert "502" in str(odd.value) and "Bad gateway" in str(odd.value)


def test_debug_logger_sees_attempts_but_never_the_key(caplog: pytest.LogCaptureFixture) -> None:
    logger = logging.getLogger("sdk-test")
    sdk = ExpenseSync(
        api_key="secret-key",
        server_url="http://sdk.test",
        retry_config=EXACT,
        client=httpx.Client(transport=httpx.MockTransport(Script(ok(ERROR_BODY, 503), ok()))),
        debug_logger=logger,
    )
    fake_time(sdk)
    with caplog.at_level(logging.DEBUG, logger="sdk-test"):
        sdk.companies.get(company_id="c1")
    text = caplog.text
    assert "attempt 1: 503" in text and "attempt 2: 200" in text and "retrying in 0.100" in text
    assert "secret-key" not in text and "c2VjcmV0" not in text


@pytest.mark.parametrize(
    "source",
    [
        lambda path: path,
        lambda path: str(path),
        lambda path: path.open("rb"),
        lambda path: io.BytesIO(path.read_bytes()),
        lambda path: path.read_bytes(),
    ],
    ids=["path", "str", "file", "bytesio", "bytes"],
)
def test_uploads_resend_the_same_bytes_on_retry(
    tmp_path: Path, source: Callable[[Path], object]
) -> None:
    receipt = tmp_path / "receipt.pdf"
    receipt.write_bytes(b"%PDF-1.4 " + bytes(range(256)) * 64)
    attachment = {"id": "a1", "companyId": "c1", "transactionId": "t1"}
    script = Script(httpx.ConnectError("refused"), ok(ERROR_BODY, 503), ok(attachment))
    sdk, waits = client(script)
    given = source(receipt)
    try:
        uploaded = sdk.attachments.upload(
            company_id="c1",
            sync_id="s1",
            transaction_id="t1",
            request=Upload(given, filename="receipt.pdf", content_type="application/pdf"),  # type: ignore[arg-type]
        )
    finally:
        if isinstance(given, io.IOBase):
            given.close()
    assert uploaded.id == "a1" and waits == [0.1, 0.2]
    assert len(script.requests) == 3 and script.bodies[1] == script.bodies[2]
    request = script.requests[-1]
    assert request.url.path == "/companies/c1/sync/expenses/syncs/s1/transactions/t1/attachments"
    assert request.headers["Content-Type"].startswith("multipart/form-data; boundary=")
    body = script.bodies[-1]
    assert b'name="file"; filename="receipt.pdf"' in body
    assert b"Content-Type: application/pdf" in body and receipt.read_bytes() in body
    assert len({r.headers["Idempotency-Key"] for r in script.requests}) == 1


def test_async_calls_retry_the_same_way() -> None:
    script = Script(ok(ERROR_BODY, 503), httpx.RemoteProtocolError("dropped"), ok())

    async def run() -> tuple[str, list[float]]:
        async with ExpenseSync(
            api_key="k",
            server_url="http://sdk.test",
            retry_config=EXACT,
            async_client=httpx.AsyncClient(transport=httpx.MockTransport(script)),
        ) as sdk:
            waits = fake_time(sdk)
            created = await sdk.companies.create_async(request={"name": "Acme"})
            return created.name, waits

    assert asyncio.run(run()) == ("Acme", [0.1, 0.2])
    assert len({r.headers["Idempotency-Key"] for r in script.requests}) == 1
