"""``GET /calendar/<token>.ics``: a provider's subscription feed, for calendar servers.

Google, Apple and Outlook fetch it on their own schedule, without logging in: the
token in the path is the credential (core/calendar_subscription.py), so

* a malformed token, one never issued and one replaced by "new link" get the same
  404 as a path no route matches. A malformed one is refused before the database, which
  only tells its sender what they knew (that it has the wrong shape); a well-formed
  one is looked up by its SHA-256, so how long the lookup takes says nothing about
  any real token;
* the token is never logged: the server keeps no access log, the path is never
  logged, and a database failure logs only its type (its message may quote the hash);
* the answer carries an ETag (a hash of the body, which is identical while nothing
  changes) and ``Cache-Control: private, max-age=300``; ``If-None-Match`` with it
  answers 304 without the body. The feed is built either way: that is one indexed
  read, and what would save it (a stamp per provider) is not worth a write on every
  booking.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from aiohttp import web
from sqlalchemy.exc import SQLAlchemyError

from core.calendar_subscription import LabelsFor, english_labels, feed_for_token
from core.feed_urls import feed_path
from core.ports import UnitOfWork

log = logging.getLogger(__name__)
ROUTE = feed_path("{token}")
CONTENT_TYPE = "text/calendar"
CACHE_CONTROL = "private, max-age=300"


@dataclass(frozen=True)
class CalendarFeeds:
    """What the route needs: storage, the clock, and the host that names events."""

    uow: Callable[[], UnitOfWork]
    clock: Callable[[], datetime]
    host_label: str  # core.feed_urls.host_label(SLOTBOT_PUBLIC_URL): part of every UID
    labels: LabelsFor = field(default=english_labels)


FEEDS = web.AppKey("calendar_feeds", CalendarFeeds)


def add_feed_route(app: web.Application, feeds: CalendarFeeds) -> None:
    app[FEEDS] = feeds
    app.router.add_get(ROUTE, _feed)  # HEAD too


def entity_tag(body: bytes) -> str:
    return '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


def _unchanged(request: web.Request, etag: str) -> bool:
    """If-None-Match names this body (weak comparison, as RFC 9110 13.1.2 asks: a
    proxy that compresses turns our tag into W/"...")."""
    given = request.if_none_match
    if not given:
        return False
    ours = etag.strip('"')
    return any(tag.value in (ours, "*") for tag in given)


async def _feed(request: web.Request) -> web.Response:
    feeds = request.app[FEEDS]
    try:
        body = await feed_for_token(
            feeds.uow(), request.match_info["token"], feeds.clock(),
            host_label=feeds.host_label, labels=feeds.labels,
        )
    except (SQLAlchemyError, OSError) as exc:  # the database is down: servers try again later
        log.warning("a calendar feed could not be read: %s", type(exc).__name__)
        return web.Response(status=503, text="try again later", headers={"Retry-After": "300"})
    except Exception:  # a bug: its traceback (which never holds the token) and a 503
        log.exception("a calendar feed could not be built")
        return web.Response(status=503, text="try again later", headers={"Retry-After": "300"})
    if body is None:
        # aiohttp's own 404, as for a path no route matches: nothing tells them apart.
        raise web.HTTPNotFound()
    etag = entity_tag(body)
    headers = {"ETag": etag, "Cache-Control": CACHE_CONTROL}
    if _unchanged(request, etag):
        return web.Response(status=304, headers=headers)
    return web.Response(body=body, content_type=CONTENT_TYPE, charset="utf-8", headers=headers)
