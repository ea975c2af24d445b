"""A tiny real PTB bot for exercising the stand-in.

Deliberately small, but it uses the PTB pieces Slotbot relies on: commands with deep-link
arguments, inline keyboards answered and edited, reply keyboards with a location button,
ForceReply, documents, a plain text handler and an error handler.
"""

from __future__ import annotations

from telegram import (
    ForceReply,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    Update,
)
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot.standin import BotApiStandIn, NotifyingUpdateProcessor

ICS = b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n"


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    keyboard = InlineKeyboardMarkup(
        [
            [InlineKeyboardButton("Yes", callback_data="yes")],
            [InlineKeyboardButton("No", callback_data="no")],
            [InlineKeyboardButton("Docs", url="https://example.org")],
        ]
    )
    await update.message.reply_text(f"Welcome! args={context.args}", reply_markup=keyboard)


async def choose(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    await query.answer(f"You chose {query.data}", show_alert=query.data == "no")
    await query.edit_message_text(f"Chosen: {query.data}")


async def keyboard(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    markup = ReplyKeyboardMarkup(
        [[KeyboardButton("Send location", request_location=True)], ["Cancel"]],
        one_time_keyboard=True,
        resize_keyboard=True,
    )
    await update.message.reply_text("Where are you?", reply_markup=markup)


async def document(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await update.message.reply_document(ICS, filename="booking.ics", caption="Your booking")


async def ask(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await update.message.reply_text("Your name?", reply_markup=ForceReply())


async def location(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    loc = update.message.location
    await update.message.reply_text(
        f"got location {loc.latitude:.2f},{loc.longitude:.2f}", reply_markup=ReplyKeyboardRemove()
    )


async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    replied = update.message.reply_to_message
    suffix = f" (answering #{replied.message_id})" if replied else ""
    await update.message.reply_text(f"echo: {update.message.text}{suffix}")


async def record_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Keep handler errors for assertions instead of PTB's "no error handlers" log."""
    context.bot_data.setdefault("errors", []).append(context.error)


def build_app(standin: BotApiStandIn, token: str | None = None) -> Application:
    processor = NotifyingUpdateProcessor(1, on_done=standin.processed_hook)
    app = (
        ApplicationBuilder()
        .token(token or standin.token)
        .base_url(standin.base_url)
        .base_file_url(standin.base_file_url)
        .concurrent_updates(processor)
        .build()
    )
    app.add_handler(CommandHandler("start", start))
    app.add_handler(CommandHandler("keyboard", keyboard))
    app.add_handler(CommandHandler("doc", document))
    app.add_handler(CommandHandler("ask", ask))
    app.add_handler(CallbackQueryHandler(choose))
    app.add_handler(MessageHandler(filters.LOCATION, location))
    app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, echo))
    app.add_error_handler(record_error)
    return app
