"""Joining as a provider (an invite link), and the admin's /invite and /act."""

from __future__ import annotations


from telegram import Update
from telegram.ext import ContextTypes

from conversations.markup import escape
from conversations.common import caller, services, show
from conversations.i18n import resolve_locale, texts_for
from conversations.provider_common import ACTING_FOR, is_admin
from conversations.provider_parsing import ParseError, parse_invite
from conversations.provider_texts import parse_error
from conversations.states import BROWSING
from core.bounds import parse_id
from core.errors import InviteInvalid, NotAuthorised
from core.model import NewProvider, Provider
from conversations.webapp_entry import set_menu_button
from core.onboarding import invite_provider, redeem_invite

INVITE_PREFIX = "i"


def invite_link(bot_username: str | None, token: str) -> str:
    payload = INVITE_PREFIX + token
    if bot_username:
        return f"https://t.me/{bot_username}?start={payload}"
    return f"/start {payload}"


def provider_help(locale: str) -> str:
    t = texts_for(locale)
    return t._(
        "For providers:\n"
        "/agenda — today, tomorrow, week or a date: confirm, decline, cancel, mark done\n"
        "/hours — weekly hours, e.g. /hours mon-fri 09:00-12:00 13:00-17:00\n"
        "/block — days off or hours off, e.g. /block 2026-12-24 or /block tomorrow 14:00-16:00\n"
        "/special — special hours for a date, e.g. /special 2026-12-20 10:00-14:00\n"
        "/unblock — remove blocks and special hours\n"
        "/types — your appointment types\n"
        "/settings — buffer, notice, policies, time zone, language\n"
        "/clients — your clients; block or unblock one"
    ) + "\n" + t._(
        "/calendar — your own calendars block your slots; your bookings as a calendar"
    )


async def redeem(update: Update, context: ContextTypes.DEFAULT_TYPE, token: str) -> int:
    """``/start i<token>``: link this Telegram account to the invited provider."""
    user = update.effective_user
    t = caller(context).texts
    try:
        provider = await redeem_invite(
            services(context).uow(), token, user.id,  # type: ignore[union-attr]
            now=services(context).clock(), language=resolve_locale(None, user.language_code),  # type: ignore[union-attr]
        )
    except InviteInvalid as exc:
        messages = {
            "used": t._("This invite link has already been used. Ask for a new one."),
            "expired": t._("This invite link has expired. Ask for a new one."),
        }
        await show(update, messages.get(exc.reason, t._("This invite link is not valid.")))
        return BROWSING
    except NotAuthorised:
        await show(update, t._("This Telegram account already runs another provider's calendar."))
        return BROWSING
    pt = texts_for(resolve_locale(provider.language, t.locale))
    await show(
        update,
        pt._("Welcome, {name}! Your calendar is linked to this account.").format(name=escape(provider.name))
        + "\n\n" + provider_help(pt.locale),
    )
    await set_menu_button(context.bot, user.id, pt, services(context).public_url)  # type: ignore[union-attr]
    return BROWSING


async def cmd_invite(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    """Admins: ``/invite DOCTOR Europe/Berlin Dr. Ana Petrova`` → a single-use link."""
    t = caller(context).texts
    if not is_admin(update, context):
        await show(update, t._("This command is for administrators."))
        return BROWSING
    args = (update.effective_message.text or "").partition(" ")[2]  # type: ignore[union-attr]
    parsed = parse_invite(args)
    if isinstance(parsed, ParseError):
        await show(update, parse_error(t, "invite", parsed.code, parsed.detail))
        return BROWSING
    provider, token = await invite_provider(
        services(context).uow(),
        NewProvider(Provider(None, parsed.name, parsed.type, parsed.timezone)),
        now=services(context).clock(),
    )
    link = invite_link(context.bot.username, token)
    await show(
        update,
        t._("Provider {name} (#{id}) created. Send them this single-use link (valid 7 days):\n{link}").format(
            name=escape(provider.name), id=provider.id, link=escape(link, len(link))
        ),
    )
    return BROWSING


async def cmd_act(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    """Admins: ``/act 12`` runs provider 12's calendar from this chat; ``/act off`` stops."""
    t = caller(context).texts
    if not is_admin(update, context):
        await show(update, t._("This command is for administrators."))
        return BROWSING
    arg = (update.effective_message.text or "").partition(" ")[2].strip()  # type: ignore[union-attr]
    if arg.lower() == "off":
        context.user_data.pop(ACTING_FOR, None)  # type: ignore[union-attr]
        await show(update, t._("You act for no provider now."))
        return BROWSING
    provider = None
    provider_id = parse_id(arg)  # "²", "٣", 20 digits, "-1": no provider's id
    if provider_id is not None:
        async with services(context).uow() as unit:
            provider = await unit.providers.get(provider_id)
    if provider is None:
        await show(update, t._("No such provider. For example: /act 12, or /act off."))
        return BROWSING
    context.user_data[ACTING_FOR] = provider.id  # type: ignore[index]
    await show(update, t._("You now act for {name}: provider commands change their calendar.").format(
        name=escape(provider.name)))
    return BROWSING
