"""The provider side, wired: one ConversationHandler for commands, buttons and text steps.

It stands before the client conversation in the same group, so a provider's
typed reason or type name reaches it first; when it waits for nothing, text
falls through to the client side.
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

from conversations import callbacks as cb
from conversations import (
    preferences,
    provider_agenda,
    provider_calendar,
    provider_onboarding,
    provider_settings,
    provider_types,
)
from conversations.states import (
    BROWSING,
    PROVIDER_CANCEL_REASON,
    SETTING_TEXT,
    TYPE_CAPACITY,
    TYPE_DURATION,
    TYPE_NAME,
    TYPE_PRICE,
)

TEXT = filters.TEXT & ~filters.COMMAND


def _on(button: type[cb.Callback], handler) -> CallbackQueryHandler:  # type: ignore[no-untyped-def]
    return CallbackQueryHandler(handler, pattern=cb.pattern(button))


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
        _on(cb.BlockDecision, provider_calendar.on_block_decision),
        _on(cb.Unblock, provider_calendar.on_unblock),
        _on(cb.AgendaDay, provider_agenda.on_agenda_day),
        _on(cb.AgendaEntry, provider_agenda.on_entry),
        _on(cb.ProviderConfirm, provider_agenda.on_confirm),
        _on(cb.ProviderDecline, provider_agenda.on_decline),
        _on(cb.ProviderCancel, provider_agenda.on_cancel),
        _on(cb.ProviderComplete, provider_agenda.on_complete),
        _on(cb.ProviderNoShow, provider_agenda.on_no_show),
        _on(cb.ClientList, provider_agenda.on_client_list),
        _on(cb.ClientBlockToggle, provider_agenda.on_client_block),
        _on(cb.SettingsMenu, provider_settings.on_settings_menu),
        _on(cb.SettingChoices, provider_settings.on_setting_choices),
        _on(cb.SetSetting, provider_settings.on_set_setting),
        _on(cb.TypesMenu, provider_types.on_types_menu),
        _on(cb.TypeEntry, provider_types.on_type_entry),
        _on(cb.TypeToggle, provider_types.on_type_toggle),
        _on(cb.TypeEdit, provider_types.on_type_edit),
        _on(cb.TypeMode, provider_types.on_type_mode),
    ]


def provider_conversation() -> ConversationHandler:
    routes = _routes()
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*per_message=False.*", category=PTBUserWarning)
        return ConversationHandler(
            entry_points=routes,
            states={
                BROWSING: routes,
                PROVIDER_CANCEL_REASON: [*routes, MessageHandler(TEXT, provider_agenda.on_cancel_reason)],
                TYPE_NAME: [*routes, MessageHandler(TEXT, provider_types.on_type_name)],
                TYPE_DURATION: [*routes, MessageHandler(TEXT, provider_types.on_type_duration)],
                TYPE_PRICE: [*routes, MessageHandler(TEXT, provider_types.on_type_price)],
                TYPE_CAPACITY: [*routes, MessageHandler(TEXT, provider_types.on_type_capacity)],
                SETTING_TEXT: [*routes, MessageHandler(TEXT, provider_settings.on_setting_text)],
            },
            fallbacks=[CommandHandler("cancel", preferences.cmd_cancel)],
            allow_reentry=True,
            name="provider",
        )
