"""Raw ASGI pieces of the sandboxes' gates (the middleware that checks, limits, fails on
purpose and replays): reading a whole body, sending an answer or half of one, and the
stored first answer to a retried write."""

from __future__ import annotations

from dataclasses import dataclass

from starlette.types import Receive, Send

RawHeaders = list[tuple[bytes, bytes]]


@dataclass(frozen=True)
class Replay:
    """The first answer to a write with an idempotency key (Xero's ``Idempotency-Key``,
    QuickBooks' ``requestid``), sent again for the same key."""

    status: int
    headers: RawHeaders
    body: bytes


async def read_body(receive: Receive) -> bytes:
    """The whole request body, however many messages it came in."""
    chunks = []
    while True:
        message = await receive()
        chunks.append(message.get("body", b""))
        if not message.get("more_body"):
            return b"".join(chunks)


async def send_answer(
    send: Send, status: int, headers: RawHeaders, body: bytes, *, drop: bool = False
) -> None:
    """Send a complete answer, or with ``drop`` half of one: the server then closes the
    connection (uvicorn closes a response left unfinished), so a write is stored and the
    client cannot know it was."""
    headers = [*headers, (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    if drop:
        await send(
            {"type": "http.response.body", "body": body[: len(body) // 2], "more_body": True}
        )
        return
    await send({"type": "http.response.body", "body": body})
