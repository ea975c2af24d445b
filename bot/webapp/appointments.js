// Tapping an appointment: its details and what the provider may do with it. The server
// runs the same services as the chat's /agenda and sends the client the same notices.
import { h } from './dom.js';
import { t, dayLong, range } from './i18n.js';
import { closeSheet, openSheet, sheetButton, toast } from './sheet.js';
import { haptic } from './telegram.js';
import { STATUS_LABELS } from './week.js';

const DONE = {
  confirm: 'Confirmed. The client has been told.',
  decline: 'Declined. The client has been told.',
  cancel: 'Cancelled. The client has been told.',
  complete: 'Marked as completed.',
  no_show: 'Marked as a no-show.',
};

/** What a provider can do with an appointment now (the server checks again). */
export function allowedActions(appointment, now = Date.now()) {
  if (appointment.status === 'PENDING') return ['confirm', 'decline'];
  if (appointment.status !== 'CONFIRMED') return [];
  const started = Date.parse(appointment.start) <= now;
  return started ? ['complete', 'no_show', 'cancel'] : ['cancel'];
}

async function run(app, appointment, action, reason) {
  try {
    await app.api.act(appointment.id, action, reason);
  } catch (error) {
    app.showError(error);
    return;
  }
  haptic('medium');
  closeSheet();
  toast(t(DONE[action]));
  await app.reload();
}

function askReason(app, appointment, action) {
  const box = h('textarea', {
    test: 'reason', maxlength: 500, placeholder: t('Reason (optional, the client sees it)'),
  });
  const label = action === 'decline' ? t('Decline the request') : t('Cancel the appointment');
  openSheet({
    title: label,
    subtitle: `${appointment.client} · ${range(appointment.from, appointment.to)}`,
    body: [
      box,
      sheetButton(label, 'reason-submit',
        () => run(app, appointment, action, box.value.trim() || undefined), 'danger'),
      sheetButton(t('Back'), 'reason-back', () => openAppointment(app, appointment)),
    ],
  });
  box.focus();
}

function actionButton(app, appointment, action) {
  switch (action) {
    case 'confirm':
      return sheetButton(t('Confirm'), 'action-confirm',
        () => run(app, appointment, 'confirm'), 'primary');
    case 'decline':
      return sheetButton(t('Decline…'), 'action-decline',
        () => askReason(app, appointment, 'decline'), 'danger');
    case 'complete':
      return sheetButton(t('Mark as completed'), 'action-complete',
        () => run(app, appointment, 'complete'), 'primary');
    case 'no_show':
      return sheetButton(t('Mark as a no-show'), 'action-no_show',
        () => run(app, appointment, 'no_show'));
    default:
      return sheetButton(t('Cancel the appointment…'), 'action-cancel',
        () => askReason(app, appointment, 'cancel'), 'danger');
  }
}

export function openAppointment(app, appointment) {
  const status = appointment.status.toLowerCase();
  const facts = h('dl', { class: 'facts' },
    h('dt', null, t('Type')), h('dd', null, appointment.type),
    h('dt', null, t('Status')), h('dd', null,
      h('span', { class: `badge ${status}`, test: 'appointment-status' },
        t(STATUS_LABELS[appointment.status] || appointment.status))),
    appointment.series ? [h('dt', null, t('Repeats')), h('dd', null, t('Weekly series'))] : null,
    appointment.late_cancel ? [h('dt', null, t('Note')), h('dd', null, t('Late cancellation'))]
      : null);
  const actions = allowedActions(appointment);
  openSheet({
    title: appointment.client,
    subtitle: `${dayLong(appointment.date)} · ${range(appointment.from, appointment.to)}`,
    test: 'appointment-sheet',
    body: [
      facts,
      appointment.status === 'PENDING'
        ? h('p', { class: 'note' }, t('The client is waiting for your answer.')) : null,
      actions.map((action) => actionButton(app, appointment, action)),
    ],
  });
}

export function install(app) {
  document.querySelector('#week-body').addEventListener('click', (event) => {
    const card = event.target.closest('.appt');
    if (!card) return;
    const appointment = app.state.grid.placed.find((item) => String(item.id) === card.dataset.id);
    if (appointment) openAppointment(app, appointment);
  });
}
