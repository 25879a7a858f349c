// Euros and dates as a person reads them, in the UI's language; dates in the store's time
// zone (the demo retailer's: Europe/Paris) unless one is given.
import { locale } from './i18n.js';

export const STORE_TIME_ZONE = 'Europe/Paris';

export function euros(value) {
  const n = typeof value === 'string' ? Number(value) : value;
  if (n === null || n === undefined || Number.isNaN(n)) return '—';
  return new Intl.NumberFormat(locale(), { style: 'currency', currency: 'EUR' }).format(n);
}

export function dateTime(value, timeZone = STORE_TIME_ZONE) {
  if (!value) return '—';
  // Campaign dates are store-local ("2026-07-01T00:00"): shown as written.
  const local = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?$/.test(value);
  const date = new Date(local ? value + 'Z' : value);
  if (Number.isNaN(date.getTime())) return value;
  return new Intl.DateTimeFormat(locale(), {
    dateStyle: 'medium',
    timeStyle: 'short',
    timeZone: local ? 'UTC' : timeZone,
  }).format(date);
}

export function count(n) {
  return new Intl.NumberFormat(locale()).format(n);
}

// "2026-12-07" (a calendar day) as "7 déc. 2026".
export function dateOnly(day) {
  return new Intl.DateTimeFormat(locale(), { dateStyle: 'medium', timeZone: 'UTC' }).format(new Date(day + 'T00:00Z'));
}

// "2026-12-07" as "lun. 07/12".
export function weekday(day) {
  return new Intl.DateTimeFormat(locale(), { weekday: 'short', day: '2-digit', month: '2-digit', timeZone: 'UTC' }).format(new Date(day + 'T00:00Z'));
}
