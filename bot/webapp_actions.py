"""``POST /app/api/appointments/{id}/{action}``: what a provider does with an appointment
from the week grid — confirm, decline, cancel (with a reason), completed, no-show.

The same core services as /agenda's buttons (conversations/provider_agenda.py),
scoped to the caller's provider (another provider's id is a 404, as a missing one),
and afterwards the same chat notices: the client is told of a confirmation, a
decline or a cancellation, and freed time goes to the waitlist first.
"""

from __future__ import annotations

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field

from bot.webapp_access import MINIAPP, Caller, api, body_of
from bot.webapp_json import appointment_json
from conversations import notifications, waitlist_offers
from conversations.metrics import CANCELLATIONS
from conversations.provider_agenda import REASON_MAX_CHARS  # as in the chat
from core.agenda import agenda_item
from core.bounds import MAX_ID
from core.booking import (
    cancel_appointment,
    complete_appointment,
    confirm_appointment,
    decline_appointment,
    mark_no_show,
)
from core.errors import NotFound
from core.model import CancelledBy

ACTIONS = ("confirm", "decline", "cancel", "complete", "no_show")


class ActionBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str | None = Field(default=None, max_length=REASON_MAX_CHARS)

    def cleaned_reason(self) -> str | None:
        return (self.reason or "").strip() or None


@api
async def _act(request: web.Request, caller: Caller) -> web.Response:
    appointment_id = int(request.match_info["id"])
    action = request.match_info["action"]
    if appointment_id > MAX_ID or action not in ACTIONS:
        raise NotFound("appointment", appointment_id)
    body = await body_of(request, ActionBody, caller.texts)
    miniapp = request.app[MINIAPP]
    svc = miniapp.services
    uow, now, provider_id = svc.uow, svc.clock(), caller.provider_id
    reason = body.cleaned_reason()
    event: str | None = None
    if action == "confirm":
        await confirm_appointment(uow(), appointment_id, now=now, provider_id=provider_id)
        event = "confirmed"
    elif action == "decline":
        await decline_appointment(uow(), appointment_id, now=now, reason=reason, provider_id=provider_id)
        event = "declined"
    elif action == "cancel":
        await cancel_appointment(uow(), appointment_id, now=now, reason=reason,
                                 by=CancelledBy.PROVIDER, provider_id=provider_id)
        CANCELLATIONS.labels(by="provider").inc()
        event = "cancelled"
    elif action == "complete":
        await complete_appointment(uow(), appointment_id, now=now, provider_id=provider_id)
    else:
        await mark_no_show(uow(), appointment_id, now=now, provider_id=provider_id)
    context = miniapp.chat_context()
    if event is not None:
        await notifications.client_told(context, appointment_id, event)
    if event in ("declined", "cancelled"):
        await waitlist_offers.publish(context)  # the time is free again: the waitlist hears first
    item = await agenda_item(uow(), provider_id, appointment_id)
    return web.json_response({"appointment": appointment_json(item)})


def add_routes(app: web.Application) -> None:
    app.router.add_post(r"/app/api/appointments/{id:\d{1,18}}/{action:[a-z_]{1,20}}", _act)
