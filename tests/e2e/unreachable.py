"""A Bot API that goes away: a TCP relay in front of the stand-in.

The bot talks to the relay as it would to Telegram. ``refuse()`` stops
listening and drops every connection (nothing listening: connect errors);
``swallow()`` keeps every connection and takes new ones, reads what the bot
sends and never answers (a black hole: requests time out, answers that were
on their way are lost). Bytes are real: nothing in the bot is patched.
"""

from __future__ import annotations

import asyncio
import contextlib


class Relay:
    def __init__(self, target_port: int, host: str = "127.0.0.1") -> None:
        self._target = (host, target_port)
        self._host = host
        self._server: asyncio.Server | None = None
        self._port: int | None = None
        self._writers: set[asyncio.StreamWriter] = set()
        self._tasks: set[asyncio.Task[None]] = set()
        self.swallowing = False
        self.connections = 0  # accepted so far

    @property
    def base_url(self) -> str:
        return f"http://{self._host}:{self._port}/bot"

    async def start(self, port: int = 0) -> None:
        self._server = await asyncio.start_server(self._accept, self._host, port or self._port or 0)
        self._port = self._server.sockets[0].getsockname()[1]

    def swallow(self) -> None:
        """From now on nothing the bot sends gets an answer, on old or new connections."""
        self.swallowing = True

    async def refuse(self) -> None:
        """Nothing listens any more; open connections are cut."""
        if self._server is not None:
            self._server.close()
            self._server = None
        for writer in list(self._writers):
            writer.close()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    async def stop(self) -> None:
        await self.refuse()

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._writers.add(writer)
        self.connections += 1
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)  # type: ignore[arg-type]
        try:
            if self.swallowing:
                await self._discard(reader)
                return
            up_reader, up_writer = await asyncio.open_connection(*self._target)
            self._writers.add(up_writer)
            await asyncio.gather(self._pipe(reader, up_writer), self._pipe(up_reader, writer))
        except (OSError, asyncio.IncompleteReadError):
            pass
        finally:
            self._tasks.discard(task)  # type: ignore[arg-type]
            self._writers.discard(writer)
            with contextlib.suppress(Exception):
                writer.close()

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while data := await reader.read(65536):
                if self.swallowing:
                    continue  # read and dropped: the other side hears nothing
                writer.write(data)
                await writer.drain()
        finally:
            if not self.swallowing:
                with contextlib.suppress(Exception):
                    writer.close()

    async def _discard(self, reader: asyncio.StreamReader) -> None:
        while await reader.read(65536):
            pass
