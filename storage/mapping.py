"""Rows to domain dataclasses and back: no ORM object leaves ``storage``."""

from __future__ import annotations

from core.model import (
    MAX_APPOINTMENT_LENGTH,
    Appointment,
    AppointmentStatus,
    AppointmentType,
    CancelledBy,
    Client,
    Invite,
    LateCancelPolicy,
    OverrideKind,
    Provider,
    ProviderSettings,
    ProviderType,
    ScheduleOverride,
)
from storage.orm import (
    AppointmentRow,
    AppointmentTypeRow,
    ClientRow,
    InviteRow,
    ProviderRow,
    ScheduleOverrideRow,
)


def provider(row: ProviderRow) -> Provider:
    return Provider(
        id=row.id,
        name=row.name,
        email=row.email,
        type=ProviderType(row.type),
        timezone=row.timezone,
        settings=ProviderSettings(
            buffer_minutes_between_appointments=row.buffer_minutes,
            max_advance_days=row.max_advance_days,
            min_notice_hours=row.min_notice_hours,
            auto_confirm=row.auto_confirm,
            late_cancel_policy=LateCancelPolicy(row.late_cancel_policy),
            late_cancel_message=row.late_cancel_message,
            reschedule_lock_hours=row.reschedule_lock_hours,
            max_active_bookings_per_client=row.max_active_bookings,
            digest_time=row.digest_time,
            remind_provider=row.remind_provider,
        ),
        telegram_user_id=row.telegram_user_id,
        is_active=row.is_active,
        address=row.address,
        language=row.language,
    )


def appointment_type(row: AppointmentTypeRow) -> AppointmentType:
    return AppointmentType(
        id=row.id,
        provider_id=row.provider_id,
        name=row.name,
        duration_minutes=row.duration_minutes,
        is_virtual=row.is_virtual,
        price=row.price,
        currency=row.currency,
        max_participants=row.max_participants,
        is_active=row.is_active,
        allow_series=row.allow_series,
        max_series_occurrences=row.max_series_occurrences,
    )


def appointment(row: AppointmentRow) -> Appointment:
    return Appointment(
        id=row.id,
        provider_id=row.provider_id,
        client_id=row.client_id,
        type_id=row.type_id,
        start=row.starts_at,
        end=row.ends_at,
        status=AppointmentStatus(row.status),
        created_at=row.created_at,
        updated_at=row.updated_at,
        notes=row.notes,
        cancelled_at=row.cancelled_at,
        cancel_reason=row.cancel_reason,
        cancelled_by=CancelledBy(row.cancelled_by) if row.cancelled_by else None,
        late_cancel=row.late_cancel,
        start_set_at=row.start_set_at,
        series_id=row.series_id,
    )


def client(row: ClientRow) -> Client:
    return Client(
        id=row.id,
        telegram_user_id=row.telegram_user_id,
        name=row.name,
        language=row.language,
        timezone=row.timezone,
        unreachable_at=row.unreachable_at,
    )




def copy_provider(provider: Provider, row: ProviderRow) -> None:
    settings = provider.settings
    row.name = provider.name
    row.email = provider.email
    row.type = provider.type.value
    row.timezone = provider.timezone
    row.address = provider.address
    row.language = provider.language
    row.telegram_user_id = provider.telegram_user_id
    row.is_active = provider.is_active
    row.buffer_minutes = settings.buffer_minutes_between_appointments
    row.max_advance_days = settings.max_advance_days
    row.min_notice_hours = settings.min_notice_hours
    row.auto_confirm = settings.auto_confirm
    row.late_cancel_policy = settings.late_cancel_policy.value
    row.late_cancel_message = settings.late_cancel_message
    row.reschedule_lock_hours = settings.reschedule_lock_hours
    row.max_active_bookings = settings.max_active_bookings_per_client
    row.digest_time = settings.digest_time
    row.remind_provider = settings.remind_provider


def copy_type(appt_type: AppointmentType, row: AppointmentTypeRow) -> None:
    row.name = appt_type.name
    row.duration_minutes = appt_type.duration_minutes
    row.is_virtual = appt_type.is_virtual
    row.price = appt_type.price
    row.currency = appt_type.currency
    row.max_participants = appt_type.max_participants
    row.is_active = appt_type.is_active
    row.allow_series = appt_type.allow_series
    row.max_series_occurrences = appt_type.max_series_occurrences


def override(row: ScheduleOverrideRow) -> ScheduleOverride:
    return ScheduleOverride(row.date, OverrideKind(row.kind), row.start_time, row.end_time, row.id)


def invite(row: InviteRow) -> Invite:
    return Invite(
        id=row.id,
        provider_id=row.provider_id,
        token_hash=row.token_hash,
        created_at=row.created_at,
        expires_at=row.expires_at,
        used_at=row.used_at,
        used_by=row.used_by,
    )


def copy_appointment(appointment: Appointment, row: AppointmentRow) -> None:
    for column, value in appointment_values(appointment).items():
        setattr(row, column, value)


def appointment_values(appointment: Appointment) -> dict[str, object]:
    """The appointment's columns (all but ``id`` and ``seat_group``), checked."""
    if not appointment.start < appointment.end <= appointment.start + MAX_APPOINTMENT_LENGTH:
        raise ValueError(f"appointment length out of range: {appointment.start}..{appointment.end}")
    return {
        "provider_id": appointment.provider_id,
        "client_id": appointment.client_id,
        "type_id": appointment.type_id,
        "starts_at": appointment.start,
        "ends_at": appointment.end,
        "status": appointment.status.value,
        "notes": appointment.notes,
        "created_at": appointment.created_at,
        "updated_at": appointment.updated_at,
        "cancelled_at": appointment.cancelled_at,
        "cancel_reason": appointment.cancel_reason,
        "cancelled_by": appointment.cancelled_by.value if appointment.cancelled_by else None,
        "late_cancel": appointment.late_cancel,
        "start_set_at": appointment.start_set_at,
        "series_id": appointment.series_id,
    }
