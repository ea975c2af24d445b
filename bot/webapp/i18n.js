// The page's words and dates. The words come from the bot's Babel catalogs through
// /app/api/texts (conversations/webapp_texts.py: stable keys -> the provider's language),
// with Babel's weekday names and whether the locale's clock is 12-hour; dates are written
// by the browser's Intl in that locale.

// What shows before the texts arrive or when they cannot (the sign-in failed).
const FALLBACK = {
  open_from_bot: 'Open this page with the “Open my week” button in the bot’s chat.',
  providers_only: 'This page is for providers.',
  offline: 'Could not reach the bot. Try again.',
};

let words = {};

/** The sign-in words in the person's language (GET /app/signin-texts), before any sign-in. */
export function setFallback(payload) {
  Object.assign(FALLBACK, payload?.texts || {});
}
let names = {};
let language = 'en';

export function setTexts(payload) {
  language = (payload?.locale || navigator.language || 'en').replace('_', '-');
  words = payload?.texts || {};
  names = {
    weekdays: payload?.weekdays,
    weekdaysWide: payload?.weekdays_wide,
    hour12: payload?.time_format?.hour12,
  };
  document.documentElement.lang = language;
}

/** The page's text for a key, in the provider's language. */
export function t(key) {
  const text = words[key] ?? FALLBACK[key];
  return typeof text === 'string' && text ? text : key;
}

// ---- dates as "YYYY-MM-DD" strings, computed in UTC so that no zone or DST can shift them
export function parseDay(day) {
  const [y, m, d] = day.split('-').map(Number);
  return new Date(Date.UTC(y, m - 1, d));
}

export function isoDay(date) {
  return date.toISOString().slice(0, 10);
}

export function addDays(day, count) {
  const date = parseDay(day);
  date.setUTCDate(date.getUTCDate() + count);
  return isoDay(date);
}

/** Monday = 0 .. Sunday = 6, as the bot counts weekdays. */
export function weekdayOf(day) {
  return (parseDay(day).getUTCDay() + 6) % 7;
}


// ---- clock times as minutes since midnight
export function toMinutes(hhmm) {
  const [h, m] = hhmm.split(':').map(Number);
  return h * 60 + m;
}

export function toHHMM(minutes) {
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  return `${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}`;
}

/** A UTC instant ("...Z") as the provider's local date and minutes since midnight. */
export function inZone(instant, timeZone) {
  const parts = new Intl.DateTimeFormat('en-CA', {
    timeZone, year: 'numeric', month: '2-digit', day: '2-digit',
    hour: '2-digit', minute: '2-digit', hourCycle: 'h23',
  }).formatToParts(new Date(instant));
  const get = (type) => parts.find((part) => part.type === type).value;
  return {
    date: `${get('year')}-${get('month')}-${get('day')}`,
    minutes: Number(get('hour')) * 60 + Number(get('minute')),
  };
}

// ---- shown to the provider
function format(day, options) {
  return new Intl.DateTimeFormat(language, { timeZone: 'UTC', ...options }).format(parseDay(day));
}

export function weekdayShort(day) {
  return names.weekdays?.[weekdayOf(day)] || format(day, { weekday: 'short' });
}

export function weekdayLong(weekday) {
  // 2024-01-01 was a Monday.
  const day = addDays('2024-01-01', weekday);
  return names.weekdaysWide?.[weekday] || format(day, { weekday: 'long' });
}

export function dayLong(day) {
  return format(day, { weekday: 'long', day: 'numeric', month: 'long' });
}

export function dayNumber(day) {
  return String(parseDay(day).getUTCDate());
}

export function weekTitle(start, end) {
  // formatRange writes "Mar 15 – 21, 2027", "15–21 мар. 2027 г." as each language does.
  return new Intl.DateTimeFormat(language, {
    timeZone: 'UTC', day: 'numeric', month: 'short', year: 'numeric',
  }).formatRange(parseDay(start), parseDay(end));
}

export function monthShort(day) {
  return format(day, { day: 'numeric', month: 'short' });
}

export function clock(minutes) {
  const date = new Date(Date.UTC(2024, 0, 1, 0, minutes));
  return new Intl.DateTimeFormat(language, {
    timeZone: 'UTC', hour: 'numeric', minute: '2-digit', hour12: names.hour12 ?? undefined,
  }).format(date);
}

/** A clock time as short as the card of a 50-pixel column needs it: "9:00", "9:00" (no AM/PM). */
export function clockShort(minutes) {
  const date = new Date(Date.UTC(2024, 0, 1, 0, minutes));
  const parts = new Intl.DateTimeFormat(language, {
    timeZone: 'UTC', hour: 'numeric', minute: '2-digit', hour12: names.hour12 ?? undefined,
  }).formatToParts(date);
  return parts.filter((part) => ['hour', 'minute', 'literal'].includes(part.type))
    .map((part) => part.value).join('').trim();
}

export function hourLabel(hour) {
  const date = new Date(Date.UTC(2024, 0, 1, hour));
  const hour12 = names.hour12 ?? undefined;
  return new Intl.DateTimeFormat(language, { timeZone: 'UTC', hour: 'numeric', hour12 })
    .format(date);
}

export function range(startMinutes, endMinutes) {
  return `${clock(startMinutes)}–${clock(endMinutes)}`;
}

export function percent(value) {
  return new Intl.NumberFormat(language, { style: 'percent', maximumFractionDigits: 0 })
    .format(value);
}
