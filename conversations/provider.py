"""The provider side's commands, buttons and text steps (one chat conversation: ``chat.py``)."""

from __future__ import annotations

from telegram.ext import BaseHandler, CommandHandler

from conversations import callbacks as cb
from conversations import (
    feed_notices,
    provider_agenda,
    provider_caldav,
    provider_calendar,
    provider_feeds,
    provider_onboarding,
    provider_series_agenda,
    provider_series_booking,
    provider_settings,
    provider_types,
)
from conversations.states import (
    CALDAV_PASSWORD,
    CALDAV_URL,
    CALDAV_USER,
    FEED_URL,
    PROVIDER_CANCEL_REASON,
    SERIES_CANCEL_REASON,
    SETTING_TEXT,
    TYPE_CAPACITY,
    TYPE_DURATION,
    TYPE_NAME,
    TYPE_PRICE,
    TYPE_SERIES_MAX,
)
from conversations.wiring import on_button


def _routes() -> list[BaseHandler]:
    return [
        CommandHandler("invite", provider_onboarding.cmd_invite),
        CommandHandler("act", provider_onboarding.cmd_act),
        CommandHandler("hours", provider_calendar.cmd_hours),
        CommandHandler("block", provider_calendar.cmd_block),
        CommandHandler("special", provider_calendar.cmd_special),
        CommandHandler("unblock", provider_calendar.cmd_unblock),
        CommandHandler("agenda", provider_agenda.cmd_agenda),
        CommandHandler("clients", provider_agenda.cmd_clients),
        CommandHandler("settings", provider_settings.cmd_settings),
        CommandHandler("types", provider_types.cmd_types),
        CommandHandler("calendar", provider_feeds.cmd_calendar),
        on_button(cb.BlockDecision, provider_calendar.on_block_decision),
        on_button(cb.Unblock, provider_calendar.on_unblock),
        on_button(cb.AgendaDay, provider_agenda.on_agenda_day),
        on_button(cb.AgendaEntry, provider_agenda.on_entry),
        on_button(cb.ProviderConfirm, provider_agenda.on_confirm),
        on_button(cb.ProviderDecline, provider_agenda.on_decline),
        on_button(cb.ProviderCancel, provider_agenda.on_cancel),
        on_button(cb.ProviderComplete, provider_agenda.on_complete),
        on_button(cb.ProviderNoShow, provider_agenda.on_no_show),
        on_button(cb.SeriesCancelFrom, provider_series_agenda.on_series_cancel_from),
        on_button(cb.SeriesCancelNow, provider_series_agenda.on_series_cancel_now),
        on_button(cb.SeriesDecision, provider_series_agenda.on_series_decision),
        on_button(cb.ClientList, provider_agenda.on_client_list),
        on_button(cb.ClientBlockToggle, provider_agenda.on_client_block),
        on_button(cb.ClientCard, provider_series_booking.on_client_card),
        on_button(cb.SeriesForClient, provider_series_booking.on_series_for_client),
        on_button(cb.SeriesMonth, provider_series_booking.on_series_month),
        on_button(cb.SeriesDay, provider_series_booking.on_series_day),
        on_button(cb.SeriesStart, provider_series_booking.on_series_start),
        on_button(cb.ProviderSeriesEvery, provider_series_booking.on_series_every),
        on_button(cb.ProviderSeriesPreview, provider_series_booking.on_series_preview),
        on_button(cb.SeriesBook, provider_series_booking.on_series_book),
        on_button(cb.SettingsMenu, provider_settings.on_settings_menu),
        on_button(cb.SettingChoices, provider_settings.on_setting_choices),
        on_button(cb.SetSetting, provider_settings.on_set_setting),
        on_button(cb.TypesMenu, provider_types.on_types_menu),
        on_button(cb.TypeEntry, provider_types.on_type_entry),
        on_button(cb.TypeToggle, provider_types.on_type_toggle),
        on_button(cb.TypeEdit, provider_types.on_type_edit),
        on_button(cb.TypeMode, provider_types.on_type_mode),
        on_button(cb.TypeSeries, provider_types.on_type_series),
        on_button(cb.CalendarMenu, provider_feeds.on_calendar_menu),
        on_button(cb.FeedAdd, provider_feeds.on_feed_add),
        on_button(cb.FeedRemove, provider_feeds.on_feed_remove),
        on_button(cb.FeedSync, provider_feeds.on_feed_sync),
        on_button(cb.FeedLink, provider_feeds.on_feed_link),
        on_button(cb.CalDavConnect, provider_caldav.on_caldav_connect),
        on_button(cb.CalDavDisconnect, provider_caldav.on_caldav_disconnect),
        on_button(cb.ConflictDecision, feed_notices.on_conflict_decision),
    ]


def routes() -> list[BaseHandler]:
    return _routes()


#: What a typed message means in each provider text step.
TEXT_STEPS = {
    PROVIDER_CANCEL_REASON: provider_agenda.on_cancel_reason,
    SERIES_CANCEL_REASON: provider_series_agenda.on_series_cancel_reason,
    TYPE_NAME: provider_types.on_type_name,
    TYPE_DURATION: provider_types.on_type_duration,
    TYPE_PRICE: provider_types.on_type_price,
    TYPE_CAPACITY: provider_types.on_type_capacity,
    TYPE_SERIES_MAX: provider_types.on_type_series_max,
    SETTING_TEXT: provider_settings.on_setting_text,
    FEED_URL: provider_feeds.on_feed_url,
    CALDAV_URL: provider_caldav.on_caldav_url,
    CALDAV_USER: provider_caldav.on_caldav_user,
    CALDAV_PASSWORD: provider_caldav.on_caldav_password,
}
