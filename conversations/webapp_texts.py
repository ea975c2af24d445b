"""Every string the Mini App's page shows, marked here so that Babel extracts them and
tests/i18n checks their translations; the page fetches them translated
(``GET /app/api/texts``), with the locale's weekday and month names and time
format, and so needs no i18n library of its own.

Keys are stable names the page looks up; the values are the English msgids.
"""

from __future__ import annotations

from babel import Locale

from conversations.i18n import N_, Texts

PAGE_TEXTS: dict[str, str] = {
    "title": N_("My week"),
    "today": N_("Today"),
    "previous_week": N_("Previous week"),
    "next_week": N_("Next week"),
    "week_tab": N_("Week"),
    "figures_tab": N_("Figures"),
    "loading": N_("Loading…"),
    "offline": N_("Could not reach the bot. Try again."),
    "open_from_bot": N_("Open this page with the “Open my week” button in the bot’s chat."),
    "providers_only": N_("This page is for providers."),
    "retry": N_("Try again"),
    "close": N_("Close"),
    "day_off": N_("Day off"),
    "special_hours": N_("Special hours"),
    "blocked": N_("Blocked"),
    "status_PENDING": N_("Waiting for your confirmation"),
    "status_CONFIRMED": N_("Confirmed"),
    "status_CANCELLED": N_("Cancelled"),
    "status_COMPLETED": N_("Completed"),
    "status_NO_SHOW": N_("No-show"),
    "late_cancel": N_("Cancelled late"),
    "series": N_("Part of a weekly series"),
    "confirm": N_("Confirm"),
    "decline": N_("Decline"),
    "cancel": N_("Cancel with a reason"),
    "complete": N_("Completed"),
    "no_show": N_("No-show"),
    "reason_prompt": N_("Reason for the client (optional)"),
    "send": N_("Send"),
    "back": N_("Back"),
    "add_hours": N_("Add working hours"),
    "block": N_("Block"),
    "remove": N_("Remove"),
    "remove_hours": N_("Remove these hours"),
    "remove_block": N_("Remove this block"),
    "copy_hours": N_("Copy this day's hours to…"),
    "copy": N_("Copy"),
    "drag_hint": N_("Drag on a day to add hours or a block."),
    "cancel_them": N_("Cancel them and tell the clients"),
    "keep_them": N_("Keep them"),
    "saved": N_("Saved."),
    "figures_title": N_("The last 8 weeks"),
    "bookings": N_("Bookings per week"),
    "bookings_total": N_("Bookings in these 8 weeks"),
    "no_show_rate": N_("No-show rate"),
    "late_cancel_rate": N_("Late-cancel rate"),
    "booked_share": N_("Booked share of open hours"),
    "refilled": N_("Freed slots the waitlist filled again"),
    "freed": N_("Freed by cancellations"),
    "no_data": N_("Nothing to show yet."),
}


#: What the page may have to say before anyone is signed in: served without initData
#: (GET /app/signin-texts), so a refused sign-in is explained in the person's language.
SIGNIN_KEYS = ("open_from_bot", "providers_only", "offline")


def signin_texts(t: Texts) -> dict[str, object]:
    return {"locale": t.locale, "texts": {key: t._(PAGE_TEXTS[key]) for key in SIGNIN_KEYS}}


def page_texts(t: Texts) -> dict[str, object]:
    """The page's strings in ``t``'s language, with the locale's calendar words."""
    locale = Locale.parse(t.locale)
    pattern = locale.time_formats["short"].pattern
    return {
        "locale": t.locale,
        "texts": {key: t._(msgid) for key, msgid in PAGE_TEXTS.items()},
        "weekdays": t.weekday_abbreviations("abbreviated"),
        "weekdays_wide": t.weekday_abbreviations("wide"),
        "months": [locale.months["stand-alone"]["wide"][m] for m in range(1, 13)],
        "time_format": {"pattern": pattern, "hour12": "h" in pattern or "K" in pattern},
    }
