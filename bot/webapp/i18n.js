// The page's words and dates. The words come from the bot's Babel catalogs through
// /app/api/texts (keyed by the English text, which is also what shows when a catalog has
// none); weekday and month names and the clock format come with them when the server
// sends them, else from the browser's Intl for the provider's language.

let words = {};
let names = {};
let language = 'en';

export function setTexts(payload, lang) {
  language = lang || payload?.language || 'en';
  words = payload?.texts || {};
  names = payload?.names || {};
  document.documentElement.lang = language;
}

/** The provider's-language text for an English text. */
export function t(english) {
  const translated = words[english];
  return typeof translated === 'string' && translated ? translated : english;
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

export function localToday() {
  const now = new Date();
  return isoDay(new Date(Date.UTC(now.getFullYear(), now.getMonth(), now.getDate())));
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
  return names.weekdays_short?.[weekdayOf(day)] || format(day, { weekday: 'short' });
}

export function weekdayLong(weekday) {
  // 2024-01-01 was a Monday.
  const day = addDays('2024-01-01', weekday);
  return names.weekdays?.[weekday] || format(day, { weekday: 'long' });
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
  if (names.hour12 === false || names.hour12 === true) {
    return new Intl.DateTimeFormat(language, {
      timeZone: 'UTC', hour: 'numeric', minute: '2-digit', hour12: names.hour12,
    }).format(date);
  }
  return new Intl.DateTimeFormat(language, { timeZone: 'UTC', hour: 'numeric', minute: '2-digit' })
    .format(date);
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
