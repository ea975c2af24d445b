"""The CalDAV side of issue #13 part 2b: the ``caldav`` package behind the core's
:class:`core.caldav_sync.CalDavClient`, and the :class:`~core.caldav_sync.CalDavAccess`
the composition root hands the core.

``caldav`` is synchronous (``niquests`` underneath): each call runs in a worker
thread, every request with a 20 s timeout, the whole call with an outer deadline
so that a job never hangs on a server. Events are written by hand, as a PUT of
``<calendar>/<uid>.ics`` (the UID percent-encoded as ``caldav`` itself names
resources): the same resource for every change of a booking, so a repeated or
retried write replaces it and never makes a second event.

The server is typed by a provider, so it is guarded like a calendar feed
(``bot/feed_addresses.check_feed_url``: HTTPS, public addresses only, unless
``SLOTBOT_CALENDAR_ALLOW_PRIVATE=1``) — every request, redirects and the hosts
discovery leads to included, through the HTTP session's ``pre_request`` hook.
Passwords and addresses never reach a log line or an error's reason.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, TypeVar
from urllib.parse import quote, urlsplit

from bot.feed_access import check_url
from bot.feed_addresses import FeedAddressRefused, allow_private_from_env, check_feed_url
from bot.secret_box import FernetCipher
from bot.settings import Settings
from core.caldav_model import CalDavCalendar
from core.caldav_sync import CalDavAccess, CalDavError
from core.feed_urls import host_label

log = logging.getLogger(__name__)
T = TypeVar("T")

#: One HTTP request (connect, and each read) may take this long.
REQUEST_SECONDS = 20
#: One call, which may make several requests (discovery, a search with fallbacks).
CALL_SECONDS = 60.0
_REFUSED = "the server refused the user name or app password"
_FORBIDDEN = "the server does not let this user write to the calendar"
_HEADERS = {"User-Agent": "Slotbot calendar sync"}
_WRITTEN = {200, 201, 204}
_GONE = {200, 202, 204, 404, 410}


class CalDavServers:
    """The core's :class:`~core.caldav_sync.CalDavClient` over real servers."""

    def __init__(self, *, allow_private: bool | None = None) -> None:
        self._allow_private = allow_private

    def _private(self) -> bool:
        return allow_private_from_env() if self._allow_private is None else self._allow_private

    async def calendars(self, url: str, username: str, password: str) -> list[CalDavCalendar]:
        session = await self.open(url, username, password)
        try:
            return await session.call(session.list_calendars)
        finally:
            await session.close()

    async def open(self, url: str, username: str, password: str) -> CalDavSession:
        return await _in_thread(lambda: CalDavSession(url, username, password, self._private()))


class CalDavSession:
    """One logged-in ``caldav.DAVClient``: the core's :class:`~core.caldav_sync.CalDavSession`."""

    def __init__(self, url: str, username: str, password: str, allow_private: bool) -> None:
        self._checked: set[tuple[str, str, int | None]] = set()
        self._allow_private = allow_private
        self._guard(url)
        # Imported here: the caldav package (with niquests and lxml) costs a bot
        # that has no CalDAV calendar ~10 MB of memory for nothing.
        import caldav

        self._client = caldav.DAVClient(
            url=url, username=username, password=password, timeout=REQUEST_SECONDS,
            enable_rfc6764=False,  # no DNS SRV guessing: the address given is the server
            headers=_HEADERS,
        )
        self._client.session.hooks["pre_request"].append(self._checked_request)

    def _guard(self, url: str) -> None:
        parts = urlsplit(url)
        key = (parts.scheme, parts.hostname or "", parts.port)
        if key not in self._checked:  # one DNS check per host a session talks to
            check_feed_url(url, allow_private=self._allow_private)
            self._checked.add(key)

    def _checked_request(self, request: Any, **_kwargs: Any) -> Any:
        self._guard(str(request.url))
        return request

    async def call(self, work: Callable[[], T]) -> T:
        return await _in_thread(work)

    def list_calendars(self) -> list[CalDavCalendar]:
        from caldav.lib import error as dav_error

        found = []
        for calendar in self._client.get_calendars(self._client.get_principal()):
            try:
                if "VEVENT" not in calendar.get_supported_components():
                    continue  # a task list (iCloud's Reminders, say)
            except dav_error.DAVError:
                pass  # the property is optional: such a calendar takes anything
            found.append(CalDavCalendar(str(calendar.url), calendar.get_display_name()))
        return found

    async def put_event(self, calendar_url: str, uid: str, body: bytes) -> None:
        def put() -> None:
            answer = self._client.put(
                _resource(calendar_url, uid), body.decode("utf-8"),
                {"Content-Type": "text/calendar; charset=utf-8"},
            )
            if answer.status not in _WRITTEN:
                raise CalDavError(f"the server answered {answer.status} to writing an event")

        await _in_thread(put)

    async def delete_event(self, calendar_url: str, uid: str) -> None:
        def delete() -> None:
            answer = self._client.delete(_resource(calendar_url, uid))
            if answer.status not in _GONE:  # an event already gone is what was wanted
                raise CalDavError(f"the server answered {answer.status} to removing an event")

        await _in_thread(delete)

    async def events_between(
        self, calendar_url: str, start: datetime, end: datetime
    ) -> list[bytes]:
        def search() -> list[bytes]:
            calendar = self._client.calendar(url=calendar_url)
            # Not expanded by the server: recurring_ical_events does it (core.calendar_feed),
            # the same way for every server.
            found = calendar.search(start=start, end=end, event=True, expand=False)
            return [_text(item.data) for item in found if item.data]

        return await _in_thread(search)

    async def close(self) -> None:
        await _in_thread(self._client.close)


def _resource(calendar_url: str, uid: str) -> str:
    return calendar_url.rstrip("/") + "/" + quote(uid, safe="") + ".ics"


def _text(data: str | bytes) -> bytes:
    return data if isinstance(data, bytes) else data.encode("utf-8")


async def _in_thread(work: Callable[[], T]) -> T:
    """``work`` in a thread of its own, its failures turned into the core's CalDavError.

    A daemon thread, not the loop's executor: ``asyncio.run`` waits for the executor's
    threads when it ends, so a request hanging on a slow server would hold up the bot's
    stop (bounded at 10 s) for as long as its own timeout. A call cut by the deadline
    or the stop may still complete in the background; what it writes is a state the
    outbox writes again anyway.
    """
    loop = asyncio.get_running_loop()
    done: asyncio.Future[T] = loop.create_future()

    def deliver(outcome: Callable[[], None]) -> None:
        try:
            loop.call_soon_threadsafe(outcome)
        except RuntimeError:
            pass  # the loop is closed: nobody waits for this call any more

    def run() -> None:
        try:
            result = _reasoned(work)
        except BaseException as exc:  # noqa: BLE001 - handed to the awaiting task
            failure = exc  # ``exc`` itself is unbound when the except block ends
            deliver(lambda: done.done() or done.set_exception(failure))
        else:
            deliver(lambda: done.done() or done.set_result(result))

    threading.Thread(target=run, name="caldav", daemon=True).start()
    try:
        return await asyncio.wait_for(done, CALL_SECONDS)
    except TimeoutError:
        raise CalDavError("the calendar server did not answer in time") from None


def _reasoned(work: Callable[[], T]) -> T:
    import niquests
    from caldav.lib import error as dav_error

    try:
        return work()
    except CalDavError:
        raise
    except FeedAddressRefused as exc:
        raise CalDavError(f"the address is refused: {exc}") from None
    except dav_error.AuthorizationError as exc:
        raise CalDavError(_FORBIDDEN if exc.status == 403 else _REFUSED, auth=True) from None
    except dav_error.RateLimitError:
        raise CalDavError("the calendar server asks to slow down (429)") from None
    except dav_error.NotFoundError:
        raise CalDavError("the calendar was not found on the server") from None
    except dav_error.DAVError as exc:
        status = getattr(exc, "status", None)
        raise CalDavError(f"the calendar server answered {status or 'with an error'}") from None
    except niquests.exceptions.Timeout:
        raise CalDavError("the calendar server did not answer in time") from None
    except niquests.exceptions.ConnectionError:
        raise CalDavError("the calendar server cannot be reached") from None
    except Exception as exc:  # noqa: BLE001 - a server no one foresaw: its error, not the job's
        # The exception's text may hold the URL: only its type is logged.
        log.warning("CalDAV request failed: %s", type(exc).__name__)
        raise CalDavError("the calendar server could not be used") from None


def caldav_access(settings: Settings, *, client: Any = None) -> CalDavAccess:
    """What the core needs for CalDAV; without SLOTBOT_SECRET_KEY it can connect nothing
    and read no stored password (each account then shows that as its error)."""
    key = settings.secret_key
    return CalDavAccess(
        client=client or CalDavServers(),
        check_url=check_url,
        cipher=None if key is None else FernetCipher(key.get_secret_value()),
        host_label=host_label(settings.public_url),
        sync_every=timedelta(minutes=settings.calendar_sync_minutes),
    )
