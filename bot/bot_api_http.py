"""The Bot API's HTTP client: aiohttp behind python-telegram-bot's ``BaseRequest``.

PTB's default backend is httpx over httpcore. Profiling 100 people booking at
once (issue #11, cProfile of the bot process) put two thirds of the time spent
handling updates inside Bot API requests, and most of that in the client
itself: httpcore walks its connection pool at every request's start and end
(``_assign_requests_to_connections``, ~0.2 ms a request), wraps every socket
call in anyio's cancellation shields, and writes a request's headers and body
in two ``send`` calls, each a trip through the kernel to the server's process.
aiohttp, already the bot's HTTP server, sends a request in one write and parses
the answer in C. PTB documents ``BaseRequest`` for this: "implement your own
networking backend".

What callers rely on is kept:

* PTB's errors: a timeout is ``TimedOut``, any other failure ``NetworkError``;
* whether a failed request can have reached Telegram, which decides whether a
  send may be retried (``conversations.delivery``): a failure to connect, or
  to get a connection from the pool, is raised *from*
  :class:`conversations.delivery.RequestNeverLeft`; anything after the request
  began to be written may have arrived;
* per-call timeouts (a long poll's read timeout is its own), the pool's size
  and its wait, files sent as ``multipart/form-data``.
"""

from __future__ import annotations

import asyncio
from typing import Any

import aiohttp
from telegram._utils.defaultvalue import DefaultValue
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

from conversations.delivery import RequestNeverLeft


class AiohttpRequest(BaseRequest):
    __slots__ = ("_session", "_pool_size", "_timeouts")

    def __init__(
        self,
        connection_pool_size: int = 1,
        *,
        read_timeout: float | None = 5.0,
        write_timeout: float | None = 5.0,
        connect_timeout: float | None = 5.0,
        pool_timeout: float | None = 1.0,
    ) -> None:
        self._session: aiohttp.ClientSession | None = None
        self._pool_size = connection_pool_size
        self._timeouts = {
            "read": read_timeout, "write": write_timeout,
            "connect": connect_timeout, "pool": pool_timeout,
        }

    @property
    def read_timeout(self) -> float | None:
        return self._timeouts["read"]

    async def initialize(self) -> None:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=self._pool_size, ttl_dns_cache=300),
                headers={"User-Agent": self.USER_AGENT},
                # Proxies from the environment would send the token elsewhere.
                trust_env=False,
            )

    async def shutdown(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()
        self._session = None

    def _timeout(self, which: str, given: Any) -> float | None:
        return self._timeouts[which] if isinstance(given, DefaultValue) else given  # type: ignore[no-any-return]

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = BaseRequest.DEFAULT_NONE,
        write_timeout: Any = BaseRequest.DEFAULT_NONE,
        connect_timeout: Any = BaseRequest.DEFAULT_NONE,
        pool_timeout: Any = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        if self._session is None or self._session.closed:
            raise RuntimeError("AiohttpRequest is not initialized")
        read = self._timeout("read", read_timeout)
        write = self._timeout("write", write_timeout)
        connect = self._timeout("connect", connect_timeout)
        pool = self._timeout("pool", pool_timeout)
        # aiohttp's ``connect`` covers the wait for a pooled connection and the
        # connecting itself; ``sock_read`` the wait for each piece of the answer,
        # which begins once the request is written (so writing is inside it too).
        timeout = aiohttp.ClientTimeout(
            total=None,
            connect=None if pool is None or connect is None else pool + connect,
            sock_connect=connect,
            sock_read=None if read is None else read + (write or 0),
        )
        body = _body(request_data)
        try:
            async with self._session.request(method, url, data=body, timeout=timeout) as response:
                return response.status, await response.read()
        except aiohttp.ConnectionTimeoutError as err:  # no connection (pool or connect): not sent
            raise TimedOut("Timed out connecting to the Bot API") from _never_left(err)
        except aiohttp.ClientConnectorError as err:  # refused, unreachable, DNS: not sent
            raise NetworkError(f"aiohttp.{type(err).__name__}: {err}") from _never_left(err)
        except (aiohttp.ServerTimeoutError, asyncio.TimeoutError) as err:  # sent, no answer in time
            raise TimedOut from err
        except aiohttp.ClientError as err:  # cut off after the request began: may have arrived
            raise NetworkError(f"aiohttp.{type(err).__name__}: {err}") from err


def _never_left(err: BaseException) -> RequestNeverLeft:
    marker = RequestNeverLeft(str(err))
    marker.__cause__ = err
    return marker


def _body(request_data: RequestData | None) -> aiohttp.FormData | dict[str, str] | None:
    if request_data is None:
        return None
    parameters = request_data.json_parameters
    if not request_data.contains_files:
        return parameters  # application/x-www-form-urlencoded, as PTB's own backend sends
    form = aiohttp.FormData(quote_fields=False)
    for name, value in parameters.items():
        form.add_field(name, value)
    for name, (filename, content, mimetype) in request_data.multipart_data.items():
        form.add_field(name, content, filename=filename, content_type=mimetype)
    return form
