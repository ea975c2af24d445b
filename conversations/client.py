"""The client side's commands, buttons and text steps (one chat conversation: ``chat.py``).

Buttons and commands work in every state (and as entry points, so they work
with no conversation at all, e.g. after a restart); the states differ only in
what a typed message means: a note, a cancellation reason, a city — or, when
nothing is being asked, a nudge towards the buttons. /cancel always gets out.
"""

from __future__ import annotations

from telegram.ext import (
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    MessageHandler,
    filters,
)

from conversations import booking, my_appointments, my_series, preferences, privacy, reminders, series_client, waitlist
from conversations import callbacks as cb
from conversations.states import BROWSING, CANCEL_REASON, NOTE, SERIES_UNTIL, TIME_ZONE
from conversations.wiring import TEXT, on_button


def _routes() -> list[BaseHandler]:
    return [
        CommandHandler("start", preferences.cmd_start),
        CommandHandler("book", booking.start_booking),
        CommandHandler("my", my_appointments.cmd_my),
        CommandHandler("help", preferences.cmd_help),
        CommandHandler("language", preferences.cmd_language),
        CommandHandler("timezone", preferences.cmd_time_zone),
        CommandHandler("cancel", preferences.cmd_cancel),
        CommandHandler("forgetme", privacy.cmd_forgetme),
        on_button(cb.ProviderPage, booking.on_provider_page),
        on_button(cb.PickProvider, booking.on_provider),
        on_button(cb.ShowMonth, booking.on_month),
        on_button(cb.ShowDay, booking.on_day),
        on_button(cb.PickSlot, booking.on_slot),
        on_button(cb.AddNote, booking.on_add_note),
        on_button(cb.ConfirmBooking, booking.on_confirm),
        # Repeat: the booking as a weekly series (series_client.py).
        on_button(cb.SeriesRepeat, series_client.on_repeat),
        on_button(cb.SeriesEvery, series_client.on_every),
        on_button(cb.SeriesUntilAsk, series_client.on_until_ask),
        on_button(cb.SeriesCount, series_client.on_count),
        on_button(cb.SeriesPreview, series_client.on_preview),
        on_button(cb.SeriesSwap, series_client.on_swap),
        on_button(cb.SeriesSwapTo, series_client.on_swap_to),
        on_button(cb.SeriesSkip, series_client.on_skip),
        on_button(cb.SeriesConfirm, series_client.on_confirm),
        on_button(cb.NotBookable, booking.on_not_bookable),
        on_button(cb.MyAppointments, my_appointments.on_list),
        on_button(cb.MyAppointment, my_appointments.on_item),
        on_button(cb.AskCancel, my_appointments.on_ask_cancel),
        on_button(cb.ConfirmCancel, my_appointments.on_confirm_cancel),
        on_button(cb.CancelWithReason, my_appointments.on_cancel_with_reason),
        on_button(cb.Reschedule, my_appointments.on_reschedule),
        on_button(cb.CalendarFile, my_appointments.on_calendar_file),
        on_button(cb.MySeries, my_series.on_series),
        on_button(cb.AskCancelRest, my_series.on_ask_cancel_rest),
        on_button(cb.ConfirmCancelRest, my_series.on_confirm_cancel_rest),
        on_button(cb.ReminderAck, reminders.on_reminder_ack),
        on_button(cb.JoinWaitlist, waitlist.on_join),
        on_button(cb.ClaimOffer, waitlist.on_claim),
        on_button(cb.LeaveWaitlist, my_appointments.on_leave_waitlist),
        on_button(cb.ForgetMe, privacy.on_forget),
        on_button(cb.SetLanguage, preferences.on_language),
        on_button(cb.SetTimeZone, preferences.on_time_zone_button),
        on_button(cb.KeepTimeZoneUnset, preferences.on_keep_unset),
        MessageHandler(filters.LOCATION, preferences.on_location),
    ]


def routes() -> list[BaseHandler]:
    return _routes()


#: What a typed message means in each client state.
TEXT_STEPS = {
    BROWSING: preferences.on_stray_text,
    NOTE: booking.on_note_text,
    CANCEL_REASON: my_appointments.on_reason_text,
    TIME_ZONE: preferences.on_zone_text,
    SERIES_UNTIL: series_client.on_until_text,
}
