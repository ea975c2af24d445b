"""What clients can book: providers and their appointment types."""

from __future__ import annotations

from core.errors import NotFound
from core.model import ProviderOffer
from core.ports import UnitOfWork


async def list_offers(uow: UnitOfWork) -> list[ProviderOffer]:
    """Bookable providers (active, with at least one active type), by type then name."""
    async with uow:
        offers = await uow.providers.offers()
    bookable = [o for o in offers if o.types]
    return sorted(bookable, key=lambda o: (o.provider.type.value, o.provider.name.casefold()))


async def get_offer(uow: UnitOfWork, provider_id: int) -> ProviderOffer:
    for offer in await list_offers(uow):
        if offer.provider.id == provider_id:
            return offer
    raise NotFound("provider", provider_id)
