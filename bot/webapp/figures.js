// The practice figures of the last 8 weeks as inline SVG charts (no chart library, no CDN).
import { h, svg } from './dom.js';
import { t, monthShort, percent } from './i18n.js';

const W = 320;
const H = 140;
const PAD = { left: 30, right: 6, top: 10, bottom: 22 };

function axes(weeks, top, format) {
  const inner = H - PAD.top - PAD.bottom;
  const lines = [0, 0.5, 1].map((share) => {
    const y = PAD.top + inner * (1 - share);
    return [svg('line', { class: 'axis', x1: PAD.left, x2: W - PAD.right, y1: y, y2: y }),
      svg('text', { x: PAD.left - 5, y: y + 3, 'text-anchor': 'end' }, format(top * share))];
  });
  const step = (W - PAD.left - PAD.right) / weeks.length;
  const labels = weeks.map((week, index) => (index % 2 === 0
    ? svg('text', { x: PAD.left + step * (index + 0.5), y: H - 6, 'text-anchor': 'middle' },
      monthShort(week.start)) : null));
  return [lines, labels];
}

function niceTop(values) {
  const top = Math.max(1, ...values);
  const magnitude = 10 ** Math.floor(Math.log10(top));
  return Math.ceil(top / magnitude) * magnitude;
}

/** Bars, one group a week; series: [{key, className}] side by side. */
function barChart(weeks, series, { rate = false, test } = {}) {
  const values = weeks.flatMap((week) => series.map((s) => week[s.key] ?? 0));
  const top = rate ? 1 : niceTop(values);
  const inner = H - PAD.top - PAD.bottom;
  const step = (W - PAD.left - PAD.right) / weeks.length;
  const width = (step * 0.7) / series.length;
  const bars = weeks.flatMap((week, index) => series.map((s, n) => {
    const value = week[s.key] ?? 0;
    const height = (Math.min(value, top) / top) * inner;
    const x = PAD.left + step * index + step * 0.15 + width * n;
    return svg('rect', {
      class: `bar ${s.className || ''}`, x, y: PAD.top + inner - height, width: width - 1,
      height: Math.max(height, value > 0 ? 1.5 : 0), rx: 2,
    }, svg('title', null, `${monthShort(week.start)}: ${rate ? percent(value) : value}`));
  }));
  return svg('svg', { class: 'chart', viewBox: `0 0 ${W} ${H}`, role: 'img', test },
    axes(weeks, top, rate ? percent : (v) => String(Math.round(v))), bars);
}

function lineChart(weeks, series, { test } = {}) {
  const values = weeks.flatMap((week) => series.map((s) => week[s.key] ?? 0));
  const top = Math.max(0.1, Math.ceil(Math.max(...values) * 10) / 10);
  const inner = H - PAD.top - PAD.bottom;
  const step = (W - PAD.left - PAD.right) / weeks.length;
  const point = (week, index, key) => [PAD.left + step * (index + 0.5),
    PAD.top + inner * (1 - (week[key] ?? 0) / top)];
  const lines = series.map((s) => {
    const points = weeks.map((week, index) => point(week, index, s.key));
    return [svg('polyline', { class: `line ${s.className || ''}`,
      points: points.map((p) => p.join(',')).join(' ') }),
    points.map(([x, y]) => svg('circle', { class: `dot ${s.className || ''}`, cx: x, cy: y, r: 3 }))];
  });
  return svg('svg', { class: 'chart', viewBox: `0 0 ${W} ${H}`, role: 'img', test },
    axes(weeks, top, percent), lines);
}

function legend(items) {
  return h('div', { class: 'legend' },
    items.map(([label, className]) => h('span', null, h('i', { class: className }), label)));
}

function tile(value, label, test) {
  return h('div', { class: 'tile', test },
    h('div', { class: 'value' }, value), h('div', { class: 'label' }, label));
}

const rate = (value) => (value === null || value === undefined ? '–' : percent(value));

export function renderFigures(figures) {
  const { weeks, totals } = figures;
  if (!weeks.length || !weeks.some((week) => week.bookings || week.open_minutes)) {
    return h('div', { class: 'figures', test: 'figures' },
      h('div', { class: 'figures-head' }, h('h2', null, t('figures_title'))),
      h('p', { class: 'note', test: 'figures-empty' }, t('no_data')));
  }
  return h('div', { class: 'figures', test: 'figures' },
    h('div', { class: 'figures-head' }, h('h2', null, t('figures_title'))),
    h('div', { class: 'tiles' },
      tile(String(totals.bookings), t('bookings_total'), 'total-bookings'),
      tile(rate(totals.no_show_rate), t('no_show_rate'), 'total-no-show'),
      tile(rate(totals.booked_share), t('booked_share'), 'total-booked-share'),
      tile(`${totals.refilled} / ${totals.freed}`, t('refilled'), 'total-refilled')),
    h('section', { class: 'card' }, h('h3', null, t('bookings')),
      barChart(weeks, [{ key: 'bookings' }, { key: 'completed', className: 'second' }],
        { test: 'chart-bookings' }),
      legend([[t('bookings'), ''], [t('status_COMPLETED'), 'second']])),
    h('section', { class: 'card' }, h('h3', null, `${t('no_show_rate')} · ${t('late_cancel_rate')}`),
      lineChart(weeks, [{ key: 'no_show_rate' }, { key: 'late_cancel_rate', className: 'second' }],
        { test: 'chart-rates' }),
      legend([[t('no_show_rate'), ''], [t('late_cancel_rate'), 'third']])),
    h('section', { class: 'card' }, h('h3', null, t('booked_share')),
      barChart(weeks, [{ key: 'booked_share' }], { rate: true, test: 'chart-booked-share' })),
    h('section', { class: 'card' }, h('h3', null, t('refilled')),
      barChart(weeks, [{ key: 'freed', className: 'muted' }, { key: 'refilled', className: 'second' }],
        { test: 'chart-refilled' }),
      legend([[t('freed'), 'muted-key'], [t('refilled'), 'second']])));
}

export async function showFigures(app, container) {
  container.dataset.state = 'loading';
  try {
    const figures = await app.api.figures(8);
    container.replaceChildren(renderFigures(figures));
    container.dataset.state = 'ready';
  } catch (error) {
    container.dataset.state = 'error';
    app.showError(error);
  }
}
