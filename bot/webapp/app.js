// The provider's week as a Telegram Mini App. Plain modern JavaScript in ES modules: no
// framework, no CDN, no build step (see README, "The Mini App").
import { ApiError, createApi } from './api.js';
import { h } from './dom.js';
import {
  setFallback, setTexts, t, addDays, weekTitle, inZone,
} from './i18n.js';
import { closeSheet, toast } from './sheet.js';
import { launchParams, onThemeChanged, postEvent } from './telegram.js';
import { applyTheme } from './theme.js';
import { renderWeek, HOUR_PX } from './week.js';

const $ = (selector) => document.querySelector(selector);

const launch = launchParams();
const api = createApi(launch.initData);
const state = { data: null, start: null, view: 'week', grid: null, renders: 0 };

/** What the other modules get: the API, the shown week, and a way to reload it. */
export const app = { api, state, reload: () => loadWeek(state.start), showError };

const views = [];

/** Lets a module react to every new rendering of the week (editing, taps). */
export function onWeekRendered(callback) {
  views.push(callback);
}

function showError(error) {
  if (!(error instanceof ApiError)) console.error(error); // a bug of the page, not the network
  if (error instanceof ApiError && error.body?.error) toast(error.body.error, 'error');
  else toast(t('offline'), 'error');
}

function fatal(message) {
  document.body.dataset.state = 'error';
  $('#days-head').replaceChildren();
  $('#week-body').replaceChildren(h('div', { class: 'fatal', test: 'error' },
    h('div', { class: 'fatal-icon' }, '🗓'), h('p', null, message)));
}

function nowMinutes(data) {
  const here = inZone(new Date().toISOString(), data.provider.timezone);
  return here.date === data.week.today ? here.minutes : undefined;
}

function render() {
  const { data } = state;
  const week = renderWeek(data, { nowMinutes: nowMinutes(data) });
  state.grid = week;
  $('[data-test=week-title]').textContent = weekTitle(data.week.start, data.week.end);
  $('#days-head').replaceChildren(week.head);
  const body = $('#week-body');
  const view = $('#week-view');
  const scroll = view.scrollTop;
  const firstRender = state.renders === 0 || body.dataset.start !== data.week.start;
  body.replaceChildren(week.grid, h('p', { class: 'hint', test: 'drag-hint' }, t('drag_hint')));
  body.dataset.start = data.week.start;
  state.renders += 1;
  view.dataset.start = data.week.start;
  view.dataset.renders = String(state.renders);
  document.body.dataset.state = 'ready';
  for (const callback of views) callback(week);
  if (firstRender) {
    // Open at the working day: an hour before the earliest hours of the week.
    const starts = data.days.flatMap((day) => day.hours.map((i) => Number(i.start.slice(0, 2))));
    const from = starts.length ? Math.min(...starts) - 1 : 8;
    view.scrollTop = Math.max(0, (from - week.first) * HOUR_PX);
  } else {
    view.scrollTop = scroll;
  }
}

async function loadWeek(start) {
  document.body.dataset.state = 'loading';
  try {
    const data = await api.week(start);
    state.data = data;
    state.start = data.week.start;
    render();
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) {
      fatal(t('open_from_bot'));
    } else if (error instanceof ApiError && error.status === 403) {
      fatal(t('providers_only'));
    } else {
      document.body.dataset.state = state.data ? 'ready' : 'error';
      showError(error);
    }
  }
}

function switchView(view) {
  state.view = view;
  closeSheet();
  document.body.dataset.view = view;
  for (const tab of document.querySelectorAll('.tabbar [data-view]')) {
    tab.setAttribute('aria-selected', String(tab.dataset.view === view));
  }
  $('#week-view').hidden = view !== 'week';
  $('#figures-view').hidden = view !== 'figures';
  $('#week-nav').hidden = view !== 'week';
  if (view === 'figures') {
    import('./figures.js').then((figures) => figures.showFigures(app, $('#figures-view')));
  }
}

function translateStatic() {
  for (const element of document.querySelectorAll('[data-t]')) {
    element.textContent = t(element.dataset.t);
  }
  for (const element of document.querySelectorAll('[data-t-label]')) {
    element.setAttribute('aria-label', t(element.dataset.tLabel));
  }
}

/** Telegram's language of the person (from initData, unchecked: it only picks words). */
function personLanguage() {
  try {
    const user = JSON.parse(new URLSearchParams(launch.initData).get('user') || '{}');
    return user.language_code || navigator.language || 'en';
  } catch {
    return navigator.language || 'en';
  }
}

async function loadSigninTexts() {
  try {
    const reply = await fetch(`signin-texts?lang=${encodeURIComponent(personLanguage())}`);
    if (reply.ok) setFallback(await reply.json());
  } catch {
    // offline: the English words stay
  }
}

async function start() {
  applyTheme(launch.themeParams, launch.colorScheme);
  onThemeChanged((params, scheme) => applyTheme(params, scheme || launch.colorScheme));
  postEvent('web_app_ready');
  postEvent('web_app_expand');
  $('[data-test=prev-week]').addEventListener('click', () => loadWeek(addDays(state.start, -7)));
  $('[data-test=next-week]').addEventListener('click', () => loadWeek(addDays(state.start, 7)));
  // Without a date the server answers the week of the provider's today (their zone, its clock).
  $('[data-test=today]').addEventListener('click', () => loadWeek(undefined));
  for (const tab of document.querySelectorAll('.tabbar [data-view]')) {
    tab.addEventListener('click', () => switchView(tab.dataset.view));
  }
  await loadSigninTexts();
  if (!launch.initData) {
    fatal(t('open_from_bot'));
    return;
  }
  try {
    setTexts(await api.texts());
  } catch {
    setTexts({}); // loadWeek says why (401, 403, offline)
  }
  translateStatic();
  // Loaded after this module has run: they use `app` (a static import would be circular).
  const modules = [import('./appointments.js'), import('./editing.js')];
  for (const module of await Promise.all(modules)) module.install(app);
  await loadWeek(undefined);
}

start();
