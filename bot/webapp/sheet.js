// A bottom sheet (the phone's way to show details and choices) and a short toast.
import { h } from './dom.js';
import { t } from './i18n.js';
import { haptic } from './telegram.js';

let current = null;

export function closeSheet() {
  if (!current) return;
  const closing = current;
  current = null;
  closing.classList.remove('open');
  closing.addEventListener('transitionend', () => closing.remove(), { once: true });
  // Without transitions (reduced motion) there is no transitionend.
  setTimeout(() => closing.remove(), 400);
  document.dispatchEvent(new CustomEvent('sheetclosed'));
}

/** Opens a sheet with a title, an optional subtitle and the given body (replaces any open one). */
export function openSheet({ title, subtitle, body, test = 'sheet' }) {
  if (current) {
    current.remove();
    current = null;
  }
  const panel = h('div', { class: 'sheet-panel', role: 'dialog', 'aria-modal': 'true', test },
    h('div', { class: 'grabber' }),
    h('div', { class: 'sheet-head' },
      h('div', null, h('h2', { class: 'sheet-title' }, title),
        subtitle ? h('p', { class: 'sheet-subtitle' }, subtitle) : null),
      h('button', {
        class: 'icon-button', type: 'button', 'aria-label': t('close'), test: 'sheet-close',
        onclick: closeSheet,
      }, '✕')),
    h('div', { class: 'sheet-body' }, body));
  const sheet = h('div', { class: 'sheet' },
    h('div', { class: 'sheet-backdrop', onclick: closeSheet }), panel);
  document.body.append(sheet);
  current = sheet;
  requestAnimationFrame(() => requestAnimationFrame(() => sheet.classList.add('open')));
  return panel;
}

/** A full-width button for a sheet. kind: 'primary', 'danger' or '' (plain). */
export function sheetButton(label, test, onclick, kind = '') {
  return h('button', { class: `sheet-button ${kind}`, type: 'button', test, onclick }, label);
}

let toastTimer = null;

export function toast(message, kind = 'info') {
  let element = document.querySelector('[data-test=toast]');
  if (!element) {
    element = h('div', { class: 'toast', test: 'toast', role: 'status', 'aria-live': 'polite' });
    document.body.append(element);
  }
  element.textContent = message;
  element.dataset.kind = kind;
  element.classList.add('show');
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => element.classList.remove('show'), 3500);
}

document.addEventListener('keydown', (event) => {
  if (event.key === 'Escape') closeSheet();
});

// After a change the server accepted: a tap of feedback, the sheet closed, "Saved.",
// and the week drawn again from the server (never patched in place).
export async function saved(app) {
  haptic('medium');
  closeSheet();
  toast(t('saved'));
  await app.reload();
}
