"""The live event stream at /ws: current state of a session, then every change.

Authentication happens before the upgrade, by `Authorization: Bearer` or the pages' session
cookie (browsers cannot set headers on a WebSocket; the cookie is how the board signs in). A
client that can do neither asks for the sub-protocol `rollcall.auth-message` and sends
`{"type": "auth", "token": ...}` first, within 5 s. A token never travels in the URL.

After `{"type": "subscribe", "session_id": ...}` (or `"camera_id"`) the client gets a snapshot
built from the database, then the hub's events. Every connection has one bounded outbox and one
writer task: a client that cannot keep up is closed (1008) instead of growing memory, and
nothing a client sends can crash the handler; a bad message gets an `error` message back.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import TYPE_CHECKING, Annotated, Any, Literal
from uuid import UUID

from aiohttp import WSCloseCode, WSMsgType, web
from pydantic import Field, TypeAdapter, ValidationError

from store.attendance import AttendanceRecord, AttendanceStatus
from store.errors import NotFound, StoreError
from store.pagination import MAX_PAGE_SIZE
from store.people import Person
from store.users import User
from web.api.auth import SESSION_COOKIE, bearer_token, require
from web.api.bodies import Body, to_jsonable
from web.api.errors import ApiError
from web.api.openapi import QueryParam, operation
from web.services import Services, services_of

if TYPE_CHECKING:
    from web.live.hub import Subscription

logger = logging.getLogger(__name__)

routes = web.RouteTableDef()

AUTH_PROTOCOL = "rollcall.auth-message"
AUTH_TIMEOUT_S = 5.0
HEARTBEAT_S = 20.0
OUTBOX_SIZE = 128
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


def _error(code: str, message: str) -> dict[str, str]:
    return {"type": "error", "code": code, "message": message}


# -- the snapshot ----------------------------------------------------------------------------


async def _roster(services: Services, course_id: UUID) -> list[Person]:
    people: list[Person] = []
    offset: int | None = 0
    while offset is not None:
        page = await services.database.courses.roster(course_id, limit=MAX_PAGE_SIZE, offset=offset)
        people.extend(page.items)
        offset = page.next_offset
    return people


async def _records(services: Services, session_id: UUID) -> list[AttendanceRecord]:
    records: list[AttendanceRecord] = []
    offset: int | None = 0
    while offset is not None:
        page = await services.database.attendance.list_for_session(
            session_id, limit=MAX_PAGE_SIZE, offset=offset
        )
        records.extend(page.items)
        offset = page.next_offset
    return records


def _row(person: Person, record: AttendanceRecord | None) -> dict[str, Any]:
    return {
        "person_id": str(person.id),
        "external_id": person.external_id,
        "display_name": person.display_name,
        "status": None if record is None else record.status.value,
        "first_seen": None if record is None else to_jsonable(record.first_seen),
        "last_seen": None if record is None else to_jsonable(record.last_seen),
        "manual": False if record is None else record.manual,
    }


async def build_snapshot(services: Services, session_id: UUID | None) -> dict[str, Any]:
    """The state a new subscriber starts from: the session, each roster student's attendance,
    the counts, unknown faces so far and the cameras of its room (every camera when
    `session_id` is None: the admins' overview). NotFound for an unknown session."""
    live = services.live
    statuses = [] if live is None else live.camera_statuses()
    counts = {status.value: 0 for status in AttendanceStatus} | {"unseen": 0, "enrolled": 0}
    if session_id is None:
        return {
            "type": "snapshot",
            "session": None,
            "attendance": [],
            "counts": counts,
            "unknown_faces": 0,
            "cameras": to_jsonable(statuses),
        }
    session = await services.database.sessions.get(session_id)
    roster, records = await asyncio.gather(
        _roster(services, session.course_id), _records(services, session_id)
    )
    by_person = {record.person_id: record for record in records if record.person_id}
    rows = [_row(person, by_person.get(person.id)) for person in roster]
    for row in rows:
        counts[row["status"] or "unseen"] += 1
    counts["enrolled"] = len(roster)
    return {
        "type": "snapshot",
        "session": to_jsonable(session),
        "attendance": rows,
        "counts": counts,
        "unknown_faces": 0 if live is None else live.unknown_faces(session_id),
        "cameras": to_jsonable([s for s in statuses if s.room_id == session.room_id]),
    }


# -- one connection --------------------------------------------------------------------------


class LiveConnection:
    """One client: reads its messages, forwards its subscription's events through the
    outbox, and closes it when it falls behind."""

    def __init__(
        self, request: web.Request, ws: web.WebSocketResponse, services: Services, user: User
    ) -> None:
        self._request = request
        self._ws = ws
        self._services = services
        self._user = user
        self._outbox: asyncio.Queue[dict[str, Any]] = asyncio.Queue(OUTBOX_SIZE)
        self._forwarder: asyncio.Task[None] | None = None
        self._closing: asyncio.Task[None] | None = None

    async def serve(self, first: SubscribeMessage | None) -> None:
        writer = asyncio.create_task(self._write(), name="ws-writer")
        try:
            if first is not None:
                await self._subscribe(first)
            async for message in self._ws:
                if message.type is WSMsgType.TEXT:
                    await self._handle(message.data)
                elif message.type is WSMsgType.BINARY:
                    self._send(_error("unsupported", "send JSON text messages"))
        finally:
            forwarder = self._forwarder
            self._unsubscribe()
            writer.cancel()
            for task in (forwarder, writer, self._closing):
                if task is not None:
                    with contextlib.suppress(asyncio.CancelledError):
                        await task

    def _send(self, message: dict[str, Any]) -> None:
        try:
            self._outbox.put_nowait(message)
        except asyncio.QueueFull:
            self._drop("too slow: messages were not read in time")

    def _drop(self, reason: str) -> None:
        """Close a client that fell behind (once); its outbox stops growing meanwhile."""
        if self._closing is not None:
            return
        logger.info("closing a slow websocket client", extra={"user": self._user.username})
        self._closing = asyncio.create_task(self._close_or_abort(reason))

    async def _close_or_abort(self, reason: str) -> None:
        await _close(self._ws, WSCloseCode.POLICY_VIOLATION, reason)
        if not self._ws.closed and self._request.transport is not None:
            # The close frame itself could not be written: the socket is stuck, cut it.
            self._request.transport.abort()

    async def _write(self) -> None:
        while True:
            message = await self._outbox.get()
            try:
                await self._ws.send_json(message)
            except (ConnectionError, RuntimeError):
                return  # the client went away; the reading loop ends too

    async def _handle(self, data: str) -> None:
        try:
            message = _CLIENT_MESSAGE.validate_json(data)
        except ValidationError as error:
            self._send(_error("invalid_message", _first_problem(error)))
            return
        if isinstance(message, PingMessage):
            self._send({"type": "pong"})
        else:
            await self._subscribe(message)

    async def _subscribe(self, message: SubscribeMessage) -> None:
        live = self._services.live
        assert live is not None  # the handler refuses the upgrade without a live runtime
        self._unsubscribe()
        # Subscribed before the snapshot is read, so nothing falls between the two; an event
        # both in the snapshot and after it is harmless (events carry absolute state).
        subscription = live.hub.subscribe(message.session_id, camera_id=message.camera_id)
        try:
            snapshot = await build_snapshot(self._services, message.session_id)
        except NotFound:
            subscription.close()
            self._send(_error("not_found", f"no class session {message.session_id}"))
            return
        except StoreError:
            subscription.close()
            self._send(_error("unavailable", "the database is unavailable; retry shortly"))
            return
        self._send(snapshot)
        self._forwarder = asyncio.create_task(self._forward(subscription), name="ws-forward")

    async def _forward(self, subscription: Subscription) -> None:
        try:
            async for event in subscription:
                self._send(event)
                if event.get("type") == "overflow":
                    self._drop("too slow: events were not read in time")
                    return
        finally:
            subscription.close()
        # The hub ended the subscription: the runtime is shutting down.
        await _close(self._ws, WSCloseCode.GOING_AWAY, "server shutting down")

    def _unsubscribe(self) -> None:
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


def _same_origin(request: web.Request) -> bool:
    """A cookie rides along on a WebSocket from any site's page: only ours may use it."""
    origin = request.headers.get("Origin")
    return origin is None or origin in (
        f"{request.scheme}://{request.host}",
        f"https://{request.host}",
    )


def _offered_protocols(request: web.Request) -> set[str]:
    header = request.headers.get("Sec-WebSocket-Protocol", "")
    return {part.strip() for part in header.split(",") if part.strip()}


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
)
async def event_stream(request: web.Request) -> web.StreamResponse:
    services = services_of(request)
    has_credentials = bearer_token(request) is not None or SESSION_COOKIE in request.cookies
    user: User | None = None
    if has_credentials or AUTH_PROTOCOL not in _offered_protocols(request):
        if bearer_token(request) is None and has_credentials and not _same_origin(request):
            raise ApiError(403, "forbidden", "cross-site WebSocket refused")
        user = await require(request)  # 401 before any upgrade
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
