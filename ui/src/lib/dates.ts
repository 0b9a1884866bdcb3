/**
 * Calendar dates as the core stores them (`YYYY-MM-DD`, compared as text) and the due-date
 * rules the lists share. "Today" is always passed in, so the rules are testable.
 */

export type IsoDate = string;

const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Whether `s` is a real calendar date written `YYYY-MM-DD`. */
export function isIsoDate(s: string): boolean {
  const m = DATE_RE.exec(s);
  if (!m) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const date = new Date(Date.UTC(y, mo - 1, d));
  return date.getUTCFullYear() === y && date.getUTCMonth() === mo - 1 && date.getUTCDate() === d;
}

/** The local calendar date of `now`. */
export function localDate(now: Date = new Date()): IsoDate {
  const y = now.getFullYear();
  const m = String(now.getMonth() + 1).padStart(2, '0');
  const d = String(now.getDate()).padStart(2, '0');
  return `${y}-${m}-${d}`;
}

export function addDays(date: IsoDate, days: number): IsoDate {
  const m = DATE_RE.exec(date);
  if (!m) return date;
  const t = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]) + days));
  return t.toISOString().slice(0, 10);
}

/** Due before today. */
export function isOverdue(due: IsoDate | null | undefined, today: IsoDate): boolean {
  return !!due && due < today;
}

/** Due today or within the next `days` days (not overdue). */
export function isDueSoon(due: IsoDate | null | undefined, today: IsoDate, days = 7): boolean {
  return !!due && due >= today && due <= addDays(today, days);
}
