"""``slotbot console --as provider``: the terminal plays the demo clinic's first provider and
prints a local address that opens the Mini App with a development sign-in (issue #15).

Run as a person would: the real command in a subprocess, its printed address fetched.
"""

from __future__ import annotations

import asyncio
import os
import re
import sys
from urllib.parse import unquote

import aiohttp

URL = re.compile(r"(http://127\.0\.0\.1:\d+/app/)#dev=(\S+)")


async def _read_until_url(stream: asyncio.StreamReader) -> tuple[str, str, list[str]]:
    seen: list[str] = []
    while True:
        line = (await stream.readline()).decode()
        if not line:
            raise AssertionError("the console ended without an address:\n" + "".join(seen))
        seen.append(line)
        found = URL.search(line)
        if found:
            return found.group(1), unquote(found.group(2)), seen


async def test_console_as_provider_prints_a_signed_local_address(tmp_path) -> None:
    env = {**os.environ, "SLOTBOT_DATA_DIR": str(tmp_path)}
    for name in ("SLOTBOT_DATABASE_URL", "SLOTBOT_TELEGRAM_TOKEN", "SLOTBOT_PUBLIC_URL"):
        env.pop(name, None)
    console = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "console", "--as", "provider",
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE, env=env,
    )
    assert console.stdout is not None and console.stdin is not None
    try:
        base, init_data, _printed = await asyncio.wait_for(_read_until_url(console.stdout), 60)
        async with aiohttp.ClientSession() as http:
            async with http.get(base + "api/week?start=2027-03-15",
                                headers={"Authorization": f"tma {init_data}"}) as response:
                assert response.status == 200, await response.text()
                week = await response.json()
            # The demo clinic's first provider, and the sign-in is really checked.
            assert week["provider"]["id"] == 1
            assert week["week"]["start"] == "2027-03-15"
            forged = init_data.replace("first_name", "first_nam")
            async with http.get(base + "api/week", headers={"Authorization": f"tma {forged}"}) as refused:
                assert refused.status == 401
        console.stdin.write(b"/quit\n")
        await console.stdin.drain()
        assert await asyncio.wait_for(console.wait(), 30) == 0
    finally:
        if console.returncode is None:
            console.kill()
            await console.wait()
