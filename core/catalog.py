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
    """One bookable provider (as :func:`list_offers` would list it)."""
    async with uow:
        offer = await uow.providers.offer(provider_id)
    if offer is None or not offer.types:
        raise NotFound("provider", provider_id)
    return offer
