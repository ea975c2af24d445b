// The week grid: a column a day (Monday..Sunday, the provider's zone), working hours
// shaded, blocks hatched, appointments as cards. Only draws; what taps do is app.js's.
import { h } from './dom.js';
import {
  t, inZone, toMinutes, weekdayShort, dayNumber, hourLabel, range, clockShort,
} from './i18n.js';

export const HOUR_PX = 52;
const DEFAULT_FIRST = 7;
const DEFAULT_LAST = 21;
const ACTIVE = new Set(['PENDING', 'CONFIRMED']);


/** The appointments of the week placed on their local day, with minutes since midnight. */
export function placeAppointments(data) {
  const zone = data.provider.timezone;
  return data.appointments.map((appointment) => {
    const start = inZone(appointment.start, zone);
    const end = inZone(appointment.end, zone);
    // One that runs past midnight is drawn to the end of its first day.
    const endMinutes = end.date === start.date ? end.minutes : 24 * 60;
    return { ...appointment, date: start.date, from: start.minutes, to: endMinutes };
  });
}

/** The hours the grid shows: 07-21 at least, widened to whatever the week holds. */
function visibleHours(data, placed) {
  let first = DEFAULT_FIRST * 60;
  let last = DEFAULT_LAST * 60;
  const widen = (from, to) => {
    first = Math.min(first, from);
    last = Math.max(last, to);
  };
  for (const day of data.days) {
    for (const interval of day.hours) widen(toMinutes(interval.start), toMinutes(interval.end));
    for (const block of day.blocks) {
      if (!block.whole_day) widen(toMinutes(block.start), toMinutes(block.end));
    }
  }
  for (const appointment of placed) widen(appointment.from, appointment.to);
  return { first: Math.floor(first / 60), last: Math.min(24, Math.ceil(last / 60)) };
}

/** Side-by-side lanes for appointments that overlap, as calendar apps draw them. */
function lanes(appointments) {
  const sorted = [...appointments].sort((a, b) => a.from - b.from || b.to - a.to);
  const result = new Map();
  let cluster = [];
  let clusterEnd = -1;
  const close = () => {
    const count = Math.max(...cluster.map((item) => result.get(item).lane)) + 1;
    for (const item of cluster) result.get(item).count = count;
    cluster = [];
  };
  for (const item of sorted) {
    if (cluster.length && item.from >= clusterEnd) close();
    const used = new Set(cluster.filter((other) => other.to > item.from)
      .map((other) => result.get(other).lane));
    let lane = 0;
    while (used.has(lane)) lane += 1;
    result.set(item, { lane, count: 1 });
    cluster.push(item);
    clusterEnd = Math.max(clusterEnd, item.to);
  }
  if (cluster.length) close();
  return result;
}

export function renderWeek(data, { nowMinutes } = {}) {
  const placed = placeAppointments(data);
  const { first, last } = visibleHours(data, placed);
  const top = (minutes) => `${((minutes - first * 60) / 60) * HOUR_PX}px`;
  const height = (from, to) => `${Math.max(((to - from) / 60) * HOUR_PX, 14)}px`;

  // A day off says so where the working day of the week begins, where the eye is.
  const opening = Math.min(...data.days.flatMap((day) => day.hours.map((i) => toMinutes(i.start))),
    first * 60 + 120);

  const head = h('div', { class: 'days-head' }, h('div', { class: 'gutter' }),
    data.days.map((day) => h('button', {
      class: `day-head${day.date === data.week.today ? ' today' : ''}${day.day_off ? ' off' : ''}`,
      test: `day-head-${day.weekday}`, 'data-date': day.date, type: 'button',
    }, h('span', { class: 'wd' }, weekdayShort(day.date)),
    h('span', { class: 'num' }, dayNumber(day.date)))));

  const gutter = h('div', { class: 'gutter' });
  for (let hour = first + 1; hour < last; hour += 1) {
    gutter.append(h('span', { class: 'hour-label', style: { top: top(hour * 60) } },
      hourLabel(hour)));
  }

  const columns = data.days.map((day) => {
    const column = h('div', {
      class: `day${day.day_off ? ' off' : ''}${day.date === data.week.today ? ' today' : ''}`,
      test: `day-${day.weekday}`, 'data-date': day.date, 'data-weekday': day.weekday,
    });
    day.hours.forEach((interval, index) => {
      const from = toMinutes(interval.start);
      const to = toMinutes(interval.end);
      column.append(h('div', {
        class: `hours${day.special ? ' special' : ''}`, test: `hours-${day.weekday}-${index}`,
        'data-start': interval.start, 'data-end': interval.end,
        style: { top: top(from), height: height(from, to) },
      }));
    });
    if (day.day_off && !day.hours.length) {
      column.append(h('div', { class: 'off-label', style: { top: top(opening + 60) } },
        t('day_off')));
    }
    for (const block of day.blocks) {
      const from = block.whole_day ? first * 60 : toMinutes(block.start);
      const to = block.whole_day ? last * 60 : toMinutes(block.end);
      column.append(h('div', {
        class: `block${block.whole_day ? ' whole' : ''}`, test: `block-${block.id}`,
        'data-id': block.id, style: { top: top(from), height: height(from, to) },
      }, h('span', null, t('blocked'))));
    }
    const todays = placed.filter((item) => item.date === day.date);
    const placing = lanes(todays);
    for (const item of todays) {
      const { lane, count } = placing.get(item);
      const status = item.status.toLowerCase();
      const short = item.to - item.from < 40;
      column.append(h('button', {
        type: 'button',
        class: `appt ${status}${ACTIVE.has(item.status) ? '' : ' inactive'}${short ? ' short' : ''}`,
        test: `appointment-${item.id}`, 'data-id': item.id, 'data-status': item.status,
        title: `${range(item.from, item.to)} ${item.client} · ${item.type}`,
        style: {
          top: top(item.from), height: height(item.from, item.to),
          left: `calc(${(100 / count) * lane}% + 1px)`, width: `calc(${100 / count}% - 2px)`,
        },
      },
      h('span', { class: 'appt-time' }, clockShort(item.from)),
      h('span', { class: 'appt-client' }, item.client),
      short ? null : h('span', { class: 'appt-type' }, item.type)));
    }
    if (day.date === data.week.today && nowMinutes !== undefined
        && nowMinutes >= first * 60 && nowMinutes <= last * 60) {
      column.append(h('div', { class: 'now', style: { top: top(nowMinutes) } }));
    }
    return column;
  });

  const grid = h('div', {
    class: 'grid', test: 'week-grid', style: { height: `${(last - first) * HOUR_PX}px` },
    'data-first-hour': first,
  }, gutter, h('div', { class: 'columns' }, columns));
  return { head, grid, first, last, placed };
}

/** The minute of the day under a point of a day column, snapped to 15 minutes. */
export function minuteAt(column, clientY, firstHour, snap = Math.round) {
  const box = column.getBoundingClientRect();
  const minutes = firstHour * 60 + ((clientY - box.top) / HOUR_PX) * 60;
  return Math.max(0, Math.min(24 * 60, snap(minutes / 15) * 15));
}
