// Tapping an appointment: its details and what the provider may do with it. The server
// runs the same services as the chat's /agenda and sends the client the same notices.
import { h } from './dom.js';
import { t, dayLong, range } from './i18n.js';
import { openSheet, saved, sheetButton } from './sheet.js';

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
  await saved(app);
}

function askReason(app, appointment, action) {
  const box = h('textarea', {
    test: 'reason', maxlength: 500, placeholder: t('reason_prompt'), 'aria-label': t('reason_prompt'),
  });
  openSheet({
    title: t(action),
    subtitle: `${appointment.client} · ${range(appointment.from, appointment.to)}`,
    body: [
      box,
      sheetButton(t('send'), 'reason-submit',
        () => run(app, appointment, action, box.value.trim() || undefined), 'danger'),
      sheetButton(t('back'), 'reason-back', () => openAppointment(app, appointment)),
    ],
  });
  box.focus();
}

function actionButton(app, appointment, action) {
  switch (action) {
    case 'confirm':
      return sheetButton(t('confirm'), 'action-confirm',
        () => run(app, appointment, 'confirm'), 'primary');
    case 'decline':
      return sheetButton(t('decline'), 'action-decline',
        () => askReason(app, appointment, 'decline'), 'danger');
    case 'complete':
      return sheetButton(t('complete'), 'action-complete',
        () => run(app, appointment, 'complete'), 'primary');
    case 'no_show':
      return sheetButton(t('no_show'), 'action-no_show',
        () => run(app, appointment, 'no_show'));
    default:
      return sheetButton(t('cancel'), 'action-cancel',
        () => askReason(app, appointment, 'cancel'), 'danger');
  }
}

export function openAppointment(app, appointment) {
  const status = appointment.status.toLowerCase();
  const facts = h('dl', { class: 'facts' },
    h('dt', null, '🏷'), h('dd', null, appointment.type),
    h('dt', null, '●'), h('dd', null,
      h('span', { class: `badge ${status}`, test: 'appointment-status' },
        t(`status_${appointment.status}`))),
    appointment.series ? [h('dt', null, '↻'), h('dd', null, t('series'))] : null,
    appointment.late_cancel ? [h('dt', null, '⚠'), h('dd', null, t('late_cancel'))] : null,
    appointment.notes ? [h('dt', null, '✎'), h('dd', null, appointment.notes)] : null,
    appointment.cancel_reason ? [h('dt', null, '✕'), h('dd', null, appointment.cancel_reason)]
      : null);
  const actions = allowedActions(appointment);
  openSheet({
    title: appointment.client,
    subtitle: `${dayLong(appointment.date)} · ${range(appointment.from, appointment.to)}`,
    test: 'appointment-sheet',
    body: [
      facts,
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
