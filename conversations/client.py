"""The client side, wired: one ConversationHandler whose states say what text means.

Buttons and commands work in every state (and as entry points, so they work
with no conversation at all, e.g. after a restart); the states differ only in
what a typed message means: a note, a cancellation reason, a city — or, when
nothing is being asked, a nudge towards the buttons. /cancel always gets out.
"""

from __future__ import annotations

import warnings

from telegram.ext import (
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from telegram.warnings import PTBUserWarning

from conversations import booking, my_appointments, preferences, reminders
from conversations import callbacks as cb
from conversations.states import BROWSING, CANCEL_REASON, NOTE, TIME_ZONE

TEXT = filters.TEXT & ~filters.COMMAND


def _routes() -> list[BaseHandler]:
    return [
        CommandHandler("start", preferences.cmd_start),
        CommandHandler("book", booking.start_booking),
        CommandHandler("my", my_appointments.cmd_my),
        CommandHandler("help", preferences.cmd_help),
        CommandHandler("language", preferences.cmd_language),
        CommandHandler("timezone", preferences.cmd_time_zone),
        CommandHandler("cancel", preferences.cmd_cancel),
        CallbackQueryHandler(booking.on_provider_page, pattern=cb.pattern(cb.ProviderPage)),
        CallbackQueryHandler(booking.on_provider, pattern=cb.pattern(cb.PickProvider)),
        CallbackQueryHandler(booking.on_month, pattern=cb.pattern(cb.ShowMonth)),
        CallbackQueryHandler(booking.on_day, pattern=cb.pattern(cb.ShowDay)),
        CallbackQueryHandler(booking.on_slot, pattern=cb.pattern(cb.PickSlot)),
        CallbackQueryHandler(booking.on_add_note, pattern=cb.pattern(cb.AddNote)),
        CallbackQueryHandler(booking.on_confirm, pattern=cb.pattern(cb.ConfirmBooking)),
        CallbackQueryHandler(booking.on_not_bookable, pattern=cb.pattern(cb.NotBookable)),
        CallbackQueryHandler(my_appointments.on_list, pattern=cb.pattern(cb.MyAppointments)),
        CallbackQueryHandler(my_appointments.on_item, pattern=cb.pattern(cb.MyAppointment)),
        CallbackQueryHandler(my_appointments.on_ask_cancel, pattern=cb.pattern(cb.AskCancel)),
        CallbackQueryHandler(
            my_appointments.on_confirm_cancel, pattern=cb.pattern(cb.ConfirmCancel)
        ),
        CallbackQueryHandler(
            my_appointments.on_cancel_with_reason, pattern=cb.pattern(cb.CancelWithReason)
        ),
        CallbackQueryHandler(my_appointments.on_reschedule, pattern=cb.pattern(cb.Reschedule)),
        CallbackQueryHandler(
            my_appointments.on_calendar_file, pattern=cb.pattern(cb.CalendarFile)
        ),
        CallbackQueryHandler(reminders.on_reminder_ack, pattern=cb.pattern(cb.ReminderAck)),
        CallbackQueryHandler(preferences.on_language, pattern=cb.pattern(cb.SetLanguage)),
        CallbackQueryHandler(preferences.on_time_zone_button, pattern=cb.pattern(cb.SetTimeZone)),
        CallbackQueryHandler(preferences.on_keep_unset, pattern=cb.pattern(cb.KeepTimeZoneUnset)),
        MessageHandler(filters.LOCATION, preferences.on_location),
    ]


def client_conversation() -> ConversationHandler:
    routes = _routes()
    with warnings.catch_warnings():
        # Buttons route by their data, not by message, so per-message tracking
        # (what PTB suggests for CallbackQueryHandlers) is not wanted.
        warnings.filterwarnings("ignore", message=".*per_message=False.*", category=PTBUserWarning)
        return _conversation(routes)


def _conversation(routes: list[BaseHandler]) -> ConversationHandler:
    return ConversationHandler(
        # With allow_reentry, entry points are tried before the state's handlers:
        # they must not claim text, which means something different in each state.
        entry_points=routes,
        states={
            BROWSING: [*routes, MessageHandler(TEXT, preferences.on_stray_text)],
            NOTE: [*routes, MessageHandler(TEXT, booking.on_note_text)],
            CANCEL_REASON: [*routes, MessageHandler(TEXT, my_appointments.on_reason_text)],
            TIME_ZONE: [*routes, MessageHandler(TEXT, preferences.on_zone_text)],
        },
        fallbacks=[CommandHandler("cancel", preferences.cmd_cancel)],
        allow_reentry=True,
        name="client",
    )


def outside_conversation() -> list[BaseHandler]:
    """After the conversation in the same group: what it did not take."""
    return [
        CallbackQueryHandler(preferences.on_expired),  # buttons nothing understood
        MessageHandler(TEXT, preferences.on_stray_text),  # text when nothing was asked
    ]
