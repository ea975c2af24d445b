// Editing the week by touch: drag on a day to select a range (15-minute steps) and add it
// as working hours or block it; tap hours or a block to remove it; tap a day's heading to
// block the whole day or copy its hours to other weekdays. The server applies the same
// core rules as /hours, /block and /special and answers 409 with the bookings a block hits.
import { h } from './dom.js';
import {
  t, dayLong, range, toHHMM, toMinutes, weekdayLong, inZone, clock,
} from './i18n.js';
import { ApiError } from './api.js';
import { openSheet, saved, sheetButton } from './sheet.js';
import { haptic } from './telegram.js';
import { minuteAt, HOUR_PX } from './week.js';

const LONG_PRESS_MS = 350;
const SLOP_PX = 8;
const LAST_MINUTE = 24 * 60 - 1; // "23:59": the bot's days end before midnight

/** Intervals (minutes) merged where they overlap or touch, sorted. */
export function merged(intervals) {
  const sorted = [...intervals].sort((a, b) => a.from - b.from);
  const result = [];
  for (const interval of sorted) {
    const last = result[result.length - 1];
    if (last && interval.from <= last.to) last.to = Math.max(last.to, interval.to);
    else result.push({ ...interval });
  }
  return result;
}

const asJson = (intervals) => intervals.map((i) => ({ start: toHHMM(i.from), end: toHHMM(i.to) }));
const asMinutes = (intervals) => intervals.map((i) => ({
  from: toMinutes(i.start), to: toMinutes(i.end),
}));

function weeklyOf(app, weekday) {
  return app.state.data.weekly.filter((interval) => interval.weekday === weekday);
}

function dayOf(app, date) {
  return app.state.data.days.find((day) => day.date === date);
}

async function save(app, request) {
  try {
    await request();
  } catch (error) {
    app.showError(error);
    return false;
  }
  await saved(app);
  return true;
}

// ---- adding hours and blocks
function addHours(app, day, from, to) {
  const wanted = { from, to };
  if (day.special) {
    // That date has its own hours: the range joins them, the weekly ones stay as they are.
    const intervals = merged([...asMinutes(day.hours), wanted]);
    return save(app, () => app.api.setSpecial(day.date, asJson(intervals)));
  }
  const intervals = merged([...asMinutes(weeklyOf(app, day.weekday)), wanted]);
  return save(app, () => app.api.setHours(day.weekday, asJson(intervals)));
}

function conflictLine(app, conflict) {
  const local = inZone(conflict.start, app.state.data.provider.timezone);
  return h('li', { test: `conflict-${conflict.id}` },
    h('span', null, `${conflict.client} · ${conflict.type}`),
    h('span', { class: 'when' }, `${dayLong(local.date)}, ${clock(local.minutes)}`));
}

async function addBlock(app, block) {
  try {
    await app.api.addBlock({ ...block, decision: null });
  } catch (error) {
    if (error instanceof ApiError && error.status === 409 && error.body.conflicts?.length) {
      // The chat's question: the bookings inside the block are cancelled (their clients
      // told) or kept.
      openSheet({
        title: error.body.error,
        test: 'conflict-sheet',
        body: [
          h('ul', { class: 'conflicts' }, error.body.conflicts.map((c) => conflictLine(app, c))),
          sheetButton(t('cancel_them'), 'conflict-cancel',
            () => save(app, () => app.api.addBlock({ ...block, decision: 'cancel' })), 'danger'),
          sheetButton(t('keep_them'), 'conflict-keep',
            () => save(app, () => app.api.addBlock({ ...block, decision: 'keep' }))),
        ],
      });
      return;
    }
    app.showError(error);
    return;
  }
  await saved(app);
}

function openRange(app, day, from, to) {
  openSheet({
    title: dayLong(day.date),
    subtitle: range(from, to),
    test: 'range-sheet',
    body: [
      sheetButton(t('add_hours'), 'add-hours', () => addHours(app, day, from, to), 'primary'),
      sheetButton(t('block'), 'add-block',
        () => addBlock(app, { date: day.date, start: toHHMM(from), end: toHHMM(to) }), 'danger'),
    ],
  });
}

// ---- removing, copying
function removeHours(app, day, interval) {
  if (day.special && interval.id) return save(app, () => app.api.removeBlock(interval.id));
  const kept = weeklyOf(app, day.weekday)
    .filter((other) => !(other.start === interval.start && other.end === interval.end));
  return save(app, () => app.api.setHours(day.weekday,
    kept.map(({ start, end }) => ({ start, end }))));
}

function openCopy(app, weekday) {
  const picks = h('div', { class: 'weekday-picks' }, [0, 1, 2, 3, 4, 5, 6].map((other) => h('label',
    { test: `copy-to-${other}`, title: weekdayLong(other) },
    h('input', { type: 'checkbox', value: other, disabled: other === weekday }),
    weekdayLong(other).slice(0, 2))));
  openSheet({
    title: t('copy_hours'),
    subtitle: weekdayLong(weekday),
    test: 'copy-sheet',
    body: [picks, sheetButton(t('copy'), 'copy-submit', () => {
      const to = [...picks.querySelectorAll('input:checked')].map((box) => Number(box.value));
      if (to.length) save(app, () => app.api.copyHours(weekday, to));
    }, 'primary')],
  });
}

function openHours(app, day, interval) {
  openSheet({
    title: day.special ? t('special_hours') : weekdayLong(day.weekday),
    subtitle: `${dayLong(day.date)} · ${range(toMinutes(interval.start), toMinutes(interval.end))}`,
    test: 'hours-sheet',
    body: [
      sheetButton(t('remove_hours'), 'remove-hours', () => removeHours(app, day, interval),
        'danger'),
      day.special ? null
        : sheetButton(t('copy_hours'), 'copy-hours', () => openCopy(app, day.weekday)),
    ],
  });
}

function openBlock(app, day, block) {
  openSheet({
    title: t('blocked'),
    subtitle: block.whole_day ? dayLong(day.date)
      : `${dayLong(day.date)} · ${range(toMinutes(block.start), toMinutes(block.end))}`,
    test: 'block-sheet',
    body: [sheetButton(t('remove_block'), 'remove-block',
      () => save(app, () => app.api.removeBlock(block.id)), 'danger')],
  });
}

function openDay(app, day) {
  openSheet({
    title: dayLong(day.date),
    subtitle: day.hours.map((i) => range(toMinutes(i.start), toMinutes(i.end))).join(', ')
      || t('day_off'),
    test: 'day-sheet',
    body: [
      sheetButton(t('block'), 'block-day',
        () => addBlock(app, { date: day.date, start: null, end: null }), 'danger'),
      weeklyOf(app, day.weekday).length
        ? sheetButton(t('copy_hours'), 'copy-hours', () => openCopy(app, day.weekday)) : null,
    ],
  });
}

// ---- the drag
function startDragging(app, column, event) {
  const firstHour = app.state.grid.first;
  const anchor = minuteAt(column, event.clientY, firstHour, Math.floor);
  const selection = h('div', { class: 'selection', test: 'selection' },
    h('span', { class: 'selection-label' }));
  column.append(selection);
  let from = anchor;
  let to = anchor + 15;
  const draw = () => {
    selection.style.top = `${((from - firstHour * 60) / 60) * HOUR_PX}px`;
    selection.style.height = `${((to - from) / 60) * HOUR_PX}px`;
    selection.firstChild.textContent = range(from, to);
  };
  draw();
  return {
    move(clientY) {
      const here = minuteAt(column, clientY, firstHour);
      from = Math.min(anchor, here);
      to = Math.max(anchor + 15, here);
      to = Math.min(to, LAST_MINUTE);
      draw();
    },
    finish() {
      const day = dayOf(app, column.dataset.date);
      const clear = () => selection.remove();
      document.addEventListener('sheetclosed', clear, { once: true });
      openRange(app, day, from, to);
    },
    abandon() {
      selection.remove();
    },
  };
}

function tapAt(app, column, clientY) {
  const day = dayOf(app, column.dataset.date);
  const minute = minuteAt(column, clientY, app.state.grid.first, (x) => x) ;
  const interval = day.hours.find((i) => toMinutes(i.start) <= minute && minute < toMinutes(i.end));
  if (interval) openHours(app, day, interval);
}

function swallowNextClick() {
  const swallow = (event) => event.stopPropagation();
  window.addEventListener('click', swallow, { capture: true, once: true });
  setTimeout(() => window.removeEventListener('click', swallow, { capture: true }), 0);
}

function watchColumns(app, body) {
  let press = null;
  body.addEventListener('pointerdown', (event) => {
    const column = event.target.closest('.day');
    const mouse = event.pointerType === 'mouse';
    // A mouse may start a range on a booking (a block over it); a finger there means a tap.
    if (!column || event.target.closest(mouse ? '.block' : '.appt, .block')) return;
    if (event.button > 0) return;
    press = { column, id: event.pointerId, x: event.clientX, y: event.clientY, drag: null,
      mouse, timer: null, onCard: Boolean(event.target.closest('.appt')) };
    if (!press.mouse) {
      // A finger scrolls; holding it still first starts a selection, as calendar apps do.
      const held = press;
      held.timer = setTimeout(() => {
        held.drag = startDragging(app, column, { clientY: held.y });
        haptic('light');
      }, LONG_PRESS_MS);
    }
  });
  body.addEventListener('pointermove', (event) => {
    if (!press || event.pointerId !== press.id) return;
    const moved = Math.hypot(event.clientX - press.x, event.clientY - press.y) > SLOP_PX;
    if (!press.drag && moved) {
      if (!press.mouse) {
        clearTimeout(press.timer); // it is a scroll
        press = null;
        return;
      }
      press.column.setPointerCapture?.(event.pointerId);
      press.drag = startDragging(app, press.column, { clientY: press.y });
    }
    press.drag?.move(event.clientY);
  });
  body.addEventListener('touchmove', (event) => {
    if (press?.drag) event.preventDefault(); // a selection in progress, not a scroll
  }, { passive: false });
  const end = (event, cancelled) => {
    if (!press || event.pointerId !== press.id) return;
    clearTimeout(press.timer);
    const { drag, column, onCard } = press;
    press = null;
    if (drag && cancelled) drag.abandon();
    else if (drag) {
      swallowNextClick(); // the click that ends a drag is not a tap on what lies under it
      drag.finish();
    } else if (!cancelled && !onCard) tapAt(app, column, event.clientY);
  };
  body.addEventListener('pointerup', (event) => end(event, false));
  body.addEventListener('pointercancel', (event) => end(event, true));
  body.addEventListener('contextmenu', (event) => {
    if (event.target.closest('.day')) event.preventDefault(); // the long press is ours
  });
}

export function install(app) {
  const body = document.querySelector('#week-body');
  watchColumns(app, body);
  body.addEventListener('click', (event) => {
    const element = event.target.closest('.block');
    if (!element) return;
    const day = dayOf(app, element.closest('.day').dataset.date);
    const block = day.blocks.find((b) => String(b.id) === element.dataset.id);
    if (block) openBlock(app, day, block);
  });
  document.querySelector('#days-head').addEventListener('click', (event) => {
    const head = event.target.closest('.day-head');
    if (head) openDay(app, dayOf(app, head.dataset.date));
  });
}
