"""The load benchmark's baseline: the least a python-telegram-bot bot can do per update.

Run by ``benchmarks/bench_load.py`` as ``python -m benchmarks.bare_bot`` against the
Bot API stand-in (``BARE_TOKEN``, ``BARE_API_URL``). It answers each text with a
message carrying one button and each tap with answerCallbackQuery and an edit —
the same calls Slotbot makes per step, with no database, persistence or rate
limits — so Slotbot's updates/s can be set against what PTB itself manages on
this machine. ``BARE_WEBHOOK_PORT`` (non-zero) serves a webhook instead of long
polling, answering after the update is handled, as Slotbot's webhook does.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal

from aiohttp import web
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ParseMode
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

KEYBOARD = InlineKeyboardMarkup([[InlineKeyboardButton("Tap", callback_data="tap")]])
PATH = "/telegram"


async def on_text(update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
    await update.effective_chat.send_message(  # type: ignore[union-attr]
        f"<b>Got it</b> (update {update.update_id})",
        parse_mode=ParseMode.HTML,
        reply_markup=KEYBOARD,
    )


async def on_tap(update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    assert query is not None
    await query.answer()  # first, as Slotbot does
    # The update id keeps each edit different ("message is not modified" otherwise).
    await query.edit_message_text(
        f"<b>Tapped</b> (update {update.update_id})",
        parse_mode=ParseMode.HTML,
        reply_markup=KEYBOARD,
    )


def build(token: str, api_url: str) -> Application:
    application = (
        ApplicationBuilder().token(token).base_url(api_url).concurrent_updates(True).build()
    )
    application.add_handler(MessageHandler(filters.TEXT, on_text))
    application.add_handler(CallbackQueryHandler(on_tap))
    return application


async def serve_webhook(application: Application, port: int, secret: str) -> web.AppRunner:
    async def update(request: web.Request) -> web.Response:
        if request.headers.get("X-Telegram-Bot-Api-Secret-Token") != secret:
            return web.Response(status=403)
        received = Update.de_json(await request.json(), application.bot)
        await application.update_processor.process_update(
            received, application.process_update(received)
        )
        return web.Response(text="ok")

    app = web.Application()
    app.router.add_post(PATH, update)
    runner = web.AppRunner(app, handle_signals=False, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    return runner


async def main() -> None:
    application = build(os.environ["BARE_TOKEN"], os.environ["BARE_API_URL"])
    port = int(os.environ.get("BARE_WEBHOOK_PORT") or 0)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    async with application:
        await application.start()
        runner = None
        if port:
            runner = await serve_webhook(application, port, os.environ["BARE_WEBHOOK_SECRET"])
            await application.bot.set_webhook(
                f"http://127.0.0.1:{port}{PATH}", secret_token=os.environ["BARE_WEBHOOK_SECRET"]
            )
        else:
            await application.updater.start_polling()  # type: ignore[union-attr]
        await stop.wait()
        if runner is not None:
            await runner.cleanup()
        elif application.updater is not None and application.updater.running:
            await application.updater.stop()
        await application.stop()


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(main())
