"""The live event stream at /ws: current state of a session, then every change.

Authentication happens before the upgrade, by `Authorization: Bearer` or the pages' session
cookie (browsers cannot set headers on a WebSocket; the cookie is how the board signs in). A
client that can do neither asks for the sub-protocol `rollcall.auth-message` and sends
`{"type": "auth", "token": ...}` first, within 5 s. A token never travels in the URL.

After `{"type": "subscribe", "session_id": ...}` (or `"camera_id"`) the client gets a snapshot
built from the database, then the hub's events; a connection holds one subscription, a new
subscribe replaces it. Every connection has one outbox bounded by messages and bytes and one
writer task, and its messages and subscribes are rate limited: a client that cannot keep up,
or sends too fast, is told (an `error` message) and closed (1008) instead of growing memory,
and nothing a client sends can crash the handler; a bad message gets an `error` message back.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import deque
from typing import Annotated, Literal
from uuid import UUID

from aiohttp import WSCloseCode, WSMsgType, web
from pydantic import Field, TypeAdapter, ValidationError

from store.errors import NotFound, StoreError
from store.users import Role, User
from web.api.camera_watchers import TEACHER_RULE, may_watch
from web.domain.sheet import empty_counts, read_sheet
from web.http.auth import signed_in_user
from web.http.bodies import Body
from web.http.errors import ApiError
from web.http.operations import QueryParam, operation
from web.http.services import Services, services_of
from web.live.hub import OVERFLOW, Subscription
from web.live.messages import (
    SERVER_MESSAGES,
    ErrorMessage,
    LiveMessage,
    OverflowMessage,
    PongMessage,
    SnapshotMessage,
    SnapshotRow,
)

logger = logging.getLogger(__name__)

routes = web.RouteTableDef()

AUTH_PROTOCOL = "rollcall.auth-message"
AUTH_TIMEOUT_S = 5.0
HEARTBEAT_S = 20.0
# Limits of one connection; over any of them the client gets an `error` message (code
# rate_limited or too_slow) and is closed with 1008.
OUTBOX_MESSAGES = 128  # messages written to the client but not yet sent
OUTBOX_BYTES = 4 * 1024 * 1024  # bytes of those (one snapshot alone may be bigger)
MESSAGES_PER_S = 10.0  # client messages a second on average...
MESSAGES_BURST = 30  # ...and at once
SUBSCRIBES_PER_S = 0.5  # subscribes (each reads a snapshot from the database) a second...
SUBSCRIBES_BURST = 5  # ...and at once; one subscription at a time, a new one replaces it
MAX_MESSAGE_BYTES = 4096  # client messages are tiny; anything bigger is closed with 1009
CLOSE_TIMEOUT_S = 2.0
UNAUTHORIZED_CLOSE = 4401
OPEN_SOCKETS = web.AppKey("open_websockets", set)


class AuthMessage(Body):
    type: Literal["auth"]
    token: str = Field(min_length=1, max_length=256)


class SubscribeMessage(Body):
    type: Literal["subscribe"]
    session_id: UUID | None = None
    camera_id: UUID | None = None


class PingMessage(Body):
    type: Literal["ping"]


ClientMessage = Annotated[SubscribeMessage | PingMessage, Field(discriminator="type")]
_CLIENT_MESSAGE: TypeAdapter[SubscribeMessage | PingMessage] = TypeAdapter(ClientMessage)


def track_websockets(app: web.Application) -> None:
    """Remember the app's open sockets and close them (1001) when the server shuts down; the
    composition root calls this before the app starts."""
    app[OPEN_SOCKETS] = set()

    async def close_all(app: web.Application) -> None:
        sockets: set[web.WebSocketResponse] = app[OPEN_SOCKETS]
        await asyncio.gather(
            *(_close(ws, WSCloseCode.GOING_AWAY, "server shutting down") for ws in list(sockets)),
            return_exceptions=True,
        )

    app.on_shutdown.append(close_all)


async def _close(ws: web.WebSocketResponse, code: int, reason: str) -> None:
    with contextlib.suppress(TimeoutError, ConnectionError, RuntimeError):
        async with asyncio.timeout(CLOSE_TIMEOUT_S):
            await ws.close(code=code, message=reason.encode())


def _error(code: str, message: str) -> ErrorMessage:
    return ErrorMessage(code=code, message=message)


# -- the snapshot ----------------------------------------------------------------------------


async def build_snapshot(services: Services, session_id: UUID | None) -> SnapshotMessage:
    """The state a new subscriber starts from: the session, each roster student's attendance
    by the sheet's rule (`web.domain.sheet`), its counts, unknown faces so far and the cameras
    of its room (every camera when `session_id` is None: the admins' overview). NotFound for
    an unknown session."""
    live = services.live
    statuses = [] if live is None else live.camera_statuses()
    if session_id is None:
        return SnapshotMessage(
            session=None, attendance=[], counts=empty_counts(), unknown_faces=0, cameras=statuses
        )
    session = await services.database.sessions.get(session_id)
    sheet = await read_sheet(services.database, session)
    roster = sheet.roster_lines
    with_portrait: frozenset[UUID] = frozenset()
    if services.settings.service.board_photos:
        with_portrait = await services.database.portraits.people_with(
            [line.person_id for line in roster if line.person_id is not None]
        )
    return SnapshotMessage(
        session=session,
        attendance=[
            SnapshotRow.of_line(line, portrait=line.person_id in with_portrait) for line in roster
        ],
        counts=sheet.counts(),
        unknown_faces=0 if live is None else live.unknown_faces(session_id),
        cameras=[s for s in statuses if s.room_id == session.room_id],
    )


# -- one connection --------------------------------------------------------------------------


class Outbox:
    """Messages waiting for one client's writer, serialised once and bounded by count and by
    bytes. One message is always accepted into an empty outbox (a big class's snapshot can
    be over the byte cap by itself), so memory per connection stays under
    max(OUTBOX_BYTES, one snapshot) plus what the socket buffers."""

    def __init__(self, max_messages: int, max_bytes: int) -> None:
        self.max_messages = max_messages
        self.max_bytes = max_bytes
        self.bytes = 0
        self._items: deque[tuple[str, str]] = deque()  # (message type, JSON text)
        self._in_flight = 0
        self._changed = asyncio.Event()

    def put(self, message: LiveMessage, *, force: bool = False) -> bool:
        """Queue `message`; False (and nothing queued) when over a limit, unless `force`."""
        text = message.json_text  # made once, however many clients get the message
        full = len(self._items) >= self.max_messages or self.bytes + len(text) > self.max_bytes
        if full and self._items and not force:
            return False
        self._items.append((message.type, text))
        self.bytes += len(text)
        self._changed.set()
        return True

    def holds(self, kind: str) -> bool:
        return any(item_kind == kind for item_kind, _ in self._items)

    def clear(self) -> None:
        self._items.clear()
        self.bytes = 0
        self._changed.set()

    async def get(self) -> str:
        while not self._items:
            self._changed.clear()
            await self._changed.wait()
        _, text = self._items.popleft()
        self.bytes -= len(text)
        self._in_flight += 1
        return text

    def sent(self) -> None:
        self._in_flight -= 1
        self._changed.set()

    async def drained(self) -> None:
        """Until everything queued has been written."""
        while self._items or self._in_flight:
            self._changed.clear()
            await self._changed.wait()


class TokenBucket:
    """`rate` per second on average, `burst` at once."""

    def __init__(self, rate: float, burst: int) -> None:
        self.rate = rate
        self.burst = burst
        self._tokens = float(burst)
        self._at = time.monotonic()

    def take(self) -> bool:
        now = time.monotonic()
        self._tokens = min(self.burst, self._tokens + (now - self._at) * self.rate)
        self._at = now
        if self._tokens < 1:
            return False
        self._tokens -= 1
        return True


class LiveConnection:
    """One client: reads its messages, forwards its one subscription's events through the
    outbox, and tells and closes it when it breaks a limit (see README: sending too fast,
    re-subscribing too fast, not reading)."""

    def __init__(
        self, request: web.Request, ws: web.WebSocketResponse, services: Services, user: User
    ) -> None:
        self._request = request
        self._ws = ws
        self._services = services
        self._user = user
        self._outbox = Outbox(OUTBOX_MESSAGES, OUTBOX_BYTES)
        self._messages = TokenBucket(MESSAGES_PER_S, MESSAGES_BURST)
        self._subscribes = TokenBucket(SUBSCRIBES_PER_S, SUBSCRIBES_BURST)
        self._subscription: Subscription | None = None
        self._target: tuple[UUID | None, UUID | None] | None = None
        self._forwarder: asyncio.Task[None] | None = None
        self._closing: asyncio.Task[None] | None = None

    async def serve(self, first: SubscribeMessage | None) -> None:
        writer = asyncio.create_task(self._write(), name="ws-writer")
        try:
            if first is not None:
                self._subscribes.take()
                await self._subscribe(first)
            async for message in self._ws:
                if self._closing is not None:
                    continue  # told and being closed: nothing more is read into memory
                if not self._messages.take():
                    self._refuse("rate_limited", f"over {MESSAGES_PER_S:g} messages a second")
                elif message.type is WSMsgType.TEXT:
                    await self._handle(message.data)
                elif message.type is WSMsgType.BINARY:
                    self._send(_error("unsupported", "send JSON text messages"))
        finally:
            self._unsubscribe()
            self._outbox.clear()
            writer.cancel()
            for task in (writer, self._closing):
                if task is not None:
                    with contextlib.suppress(asyncio.CancelledError):
                        await task

    def _send(self, message: LiveMessage) -> None:
        if self._closing is None and not self._outbox.put(message):
            self._refuse("too_slow", "too slow: messages were not read in time")

    def _refuse(self, code: str, reason: str) -> None:
        """Tell the client why (a message, then the close frame's reason) and close
        it (1008), once; what it had queued is dropped at once and its subscription ended."""
        if self._closing is not None:
            return
        logger.info(
            "closing a websocket client that broke a limit",
            extra={"user": self._user.username, "limit": code},
        )
        self._unsubscribe()
        self._outbox.clear()
        # a client that fell behind gets the documented `overflow`; a limit names itself
        told = OVERFLOW if code == "too_slow" else _error(code, reason)
        self._outbox.put(told, force=True)
        self._closing = asyncio.create_task(self._close_when_told(reason))

    async def _close_when_told(self, reason: str) -> None:
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(CLOSE_TIMEOUT_S):
                await self._outbox.drained()
        await _close(self._ws, WSCloseCode.POLICY_VIOLATION, reason)
        if not self._ws.closed and self._request.transport is not None:
            # The close frame itself could not be written: the socket is stuck, cut it.
            self._request.transport.abort()

    async def _write(self) -> None:
        while True:
            text = await self._outbox.get()
            try:
                await self._ws.send_str(text)
            except (ConnectionError, RuntimeError):
                return  # the client went away; the reading loop ends too
            finally:
                self._outbox.sent()

    async def _handle(self, data: str) -> None:
        try:
            message = _CLIENT_MESSAGE.validate_json(data)
        except ValidationError as error:
            self._send(_error("invalid_message", _first_problem(error)))
            return
        if isinstance(message, PingMessage):
            self._send(PongMessage())
            return
        target = (message.session_id, message.camera_id)
        if target == self._target and self._outbox.holds("snapshot"):
            return  # the same subscription, its snapshot not even read yet: nothing to rebuild
        if not self._subscribes.take():
            self._refuse("rate_limited", f"over {SUBSCRIBES_BURST} subscribes in a row: slow down")
            return
        await self._subscribe(message)

    async def _subscribe(self, message: SubscribeMessage) -> None:
        live = self._services.live
        assert live is not None  # the handler refuses the upgrade without a live runtime
        self._unsubscribe()  # one subscription per connection: a new one replaces the old
        if message.camera_id is not None and not await self._may_watch(message.camera_id):
            return
        # Subscribed before the snapshot is read, so nothing falls between the two; an event
        # both in the snapshot and after it is harmless (events carry absolute state).
        subscription = live.hub.subscribe(message.session_id, camera_id=message.camera_id)
        self._subscription = subscription
        try:
            snapshot = await build_snapshot(self._services, message.session_id)
        except NotFound:
            self._unsubscribe()
            self._send(_error("not_found", f"no class session {message.session_id}"))
            return
        except StoreError:
            self._unsubscribe()
            self._send(_error("unavailable", "the database is unavailable; retry shortly"))
            return
        except BaseException:
            self._unsubscribe()  # cancelled while reading: never leave it registered
            raise
        if self._subscription is not subscription:
            return  # refused meanwhile
        self._target = (message.session_id, message.camera_id)
        self._send(snapshot)
        if self._closing is None:
            self._forwarder = asyncio.create_task(self._forward(subscription), name="ws-forward")

    async def _may_watch(self, camera_id: UUID) -> bool:
        """A camera's face boxes go to those who may watch it (`web.api.camera_watchers`);
        anyone else is told why and keeps the connection."""
        try:
            if self._user.role is not Role.ADMIN:
                camera = await self._services.database.cameras.get(camera_id)
                if not await may_watch(self._services, self._user, camera.room_id):
                    self._send(_error("forbidden", TEACHER_RULE))
                    return False
        except NotFound:
            self._send(_error("not_found", f"no camera {camera_id}"))
            return False
        except StoreError:
            self._send(_error("unavailable", "the database is unavailable; retry shortly"))
            return False
        return True

    async def _forward(self, subscription: Subscription) -> None:
        async for event in subscription:
            if isinstance(event, OverflowMessage):
                self._refuse("too_slow", "too slow: events were not read in time")
                return
            self._send(event)
        if self._subscription is subscription:
            # The hub ended the subscription: the runtime is shutting down.
            await _close(self._ws, WSCloseCode.GOING_AWAY, "server shutting down")

    def _unsubscribe(self) -> None:
        """End the subscription here and now (not in its forwarder, which may never have
        started running), so the hub never keeps one for a client that moved on or left."""
        if self._subscription is not None:
            self._subscription.close()
            self._subscription = None
        self._target = None
        if self._forwarder is not None:
            self._forwarder.cancel()
            self._forwarder = None


def _first_problem(error: ValidationError) -> str:
    problems = error.errors(include_url=False, include_input=False)
    if not problems:
        return "the message is not valid"
    where = ".".join(str(part) for part in problems[0]["loc"])
    return f"{where}: {problems[0]['msg']}" if where else problems[0]["msg"]


# -- the handshake ---------------------------------------------------------------------------


def _initial_subscription(request: web.Request) -> SubscribeMessage | None:
    raw = request.query.get("session_id")
    if raw is None:
        return None
    try:
        return SubscribeMessage(type="subscribe", session_id=UUID(raw))
    except ValueError:
        raise ApiError(422, "invalid", "session_id must be a class session's id") from None


async def _authenticate_by_message(services: Services, ws: web.WebSocketResponse) -> User | None:
    try:
        async with asyncio.timeout(AUTH_TIMEOUT_S):
            message = await ws.receive()
    except TimeoutError:
        return None
    if message.type is not WSMsgType.TEXT:
        return None
    try:
        auth = AuthMessage.model_validate_json(message.data)
    except ValidationError:
        return None
    return await services.database.users.user_for_token(auth.token)


@routes.get("/ws")
@operation(
    "Live events of a class session over WebSocket",
    auth="teacher",
    tag="live",
    success=101,
    success_description="switching to the WebSocket protocol",
    query=(QueryParam("session_id", "subscribe to this session at once (optional)"),),
    description="Sign in with Authorization: Bearer or the session cookie, or ask for the "
    f"sub-protocol {AUTH_PROTOCOL} and send {{'type': 'auth', 'token': ...}} within "
    f"{AUTH_TIMEOUT_S:g} s. Then send {{'type': 'subscribe', 'session_id': ...}}: a "
    "'snapshot' message comes first, then 'attendance', 'unknown_face', 'other_course', "
    "'camera_status' and 'faces' events; {'type': 'ping'} is answered with 'pong'.",
    sign_in_protocol=AUTH_PROTOCOL,
    client_messages=(AuthMessage, SubscribeMessage, PingMessage),
    server_messages=SERVER_MESSAGES,
)
async def event_stream(request: web.Request) -> web.StreamResponse:
    services = services_of(request)
    user = signed_in_user(request)  # None: it signs in by its first message
    first = _initial_subscription(request)
    if services.live is None:
        raise ApiError(503, "live_unavailable", "this process runs no live events")
    ws = web.WebSocketResponse(
        heartbeat=HEARTBEAT_S,
        max_msg_size=MAX_MESSAGE_BYTES,
        protocols=() if user is not None else (AUTH_PROTOCOL,),
    )
    if not ws.can_prepare(request).ok:
        raise ApiError(400, "not_websocket", "connect with a WebSocket client")
    await ws.prepare(request)
    try:
        await _serve_upgraded(request, ws, services, user, first)
    # Upgraded already: an error answer of the middleware would be written into the WebSocket
    # stream as garbage, so the close code tells the client instead.
    except StoreError:
        await _close(ws, WSCloseCode.TRY_AGAIN_LATER, "the database is unavailable")
    except Exception:
        logger.exception("websocket connection failed")
        await _close(ws, WSCloseCode.INTERNAL_ERROR, "internal error")
    return ws


async def _serve_upgraded(
    request: web.Request,
    ws: web.WebSocketResponse,
    services: Services,
    user: User | None,
    first: SubscribeMessage | None,
) -> None:
    if user is None:
        user = await _authenticate_by_message(services, ws)
        if user is None:
            await _close(ws, UNAUTHORIZED_CLOSE, "unauthorized")
            return
    sockets: set[web.WebSocketResponse] | None = request.app.get(OPEN_SOCKETS)
    if sockets is not None:
        sockets.add(ws)
    try:
        await LiveConnection(request, ws, services, user).serve(first)
    finally:
        if sockets is not None:
            sockets.discard(ws)
