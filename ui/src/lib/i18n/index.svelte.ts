/**
 * Translation: flat key → string catalogs (`en.ts`, `ru.ts`) with `{param}` interpolation,
 * plural forms separated by `|` (English: one|other; Russian: one|few|many), and dates and
 * numbers through `Intl` in the chosen language. `t()` reads the language from rune state,
 * so every template that calls it re-renders when the language changes.
 */
import { en, type MessageKey } from './en';
import { ru } from './ru';
import type { Language } from '../types';
import type { VocabName } from '../vocab';

export type { MessageKey };
export type Params = Record<string, string | number>;

export const catalogs: Record<Language, Record<MessageKey, string>> = { en, ru };

/** BCP 47 tags for Intl: British English writes "23 Nov 2026", Russian "23 нояб. 2026 г.". */
const LOCALES: Record<Language, string> = { en: 'en-GB', ru: 'ru-RU' };

const state = $state<{ lang: Language }>({ lang: 'en' });

export function language(): Language {
  return state.lang;
}

export function locale(): string {
  return LOCALES[state.lang];
}

export function setLanguage(lang: Language): void {
  state.lang = lang;
  if (typeof document !== 'undefined') document.documentElement.lang = lang;
}

function lookup(key: string): string | undefined {
  const cat = catalogs[state.lang] as Record<string, string>;
  return cat[key] ?? (catalogs.en as Record<string, string>)[key];
}

export function hasKey(key: string): boolean {
  return key in catalogs.en;
}

function interpolate(s: string, params?: Params): string {
  if (!params) return s;
  return s.replace(/\{(\w+)\}/g, (whole, name: string) => {
    const v = params[name];
    if (v === undefined) return whole;
    return typeof v === 'number' ? formatNumber(v) : v;
  });
}

/** The translated string of `key`, with `{param}`s filled in. */
export function t(key: MessageKey, params?: Params): string {
  return interpolate(lookup(key) ?? key, params);
}

/** Index of the plural form of `n` in a `|`-separated catalog entry. */
export function pluralIndex(lang: Language, n: number): number {
  const rule = new Intl.PluralRules(LOCALES[lang]).select(n);
  if (lang === 'ru') return rule === 'one' ? 0 : rule === 'many' ? 2 : 1; // few and fractions ("1,5 дела")
  return rule === 'one' ? 0 : 1;
}

/** A counted phrase: `tn('list.count', 1234)` → "1,234 cases" / "1 234 дела". */
export function tn(key: MessageKey, count: number, params?: Params): string {
  const forms = (lookup(key) ?? key).split('|');
  const form = forms[Math.min(pluralIndex(state.lang, count), forms.length - 1)];
  return interpolate(form, { count, ...params });
}

/** The label of a vocabulary code; an unknown code (from a newer app) is shown as is. */
export function label(vocab: VocabName, code: string | null | undefined): string {
  if (!code) return '';
  const key = `vocab.${vocab}.${code}`;
  return hasKey(key) ? t(key as MessageKey) : code;
}

export function formatNumber(n: number): string {
  return new Intl.NumberFormat(locale()).format(n);
}

/** A `YYYY-MM-DD` date as a calendar date in the chosen language (no time-zone shift). */
export function formatDate(iso: string | null | undefined): string {
  if (!iso) return '';
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(iso);
  if (!m) return iso;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return new Intl.DateTimeFormat(locale(), { dateStyle: 'medium', timeZone: 'UTC' }).format(d);
}

/** A `YYYY-MM-DD` date in the short numeric form of the language ("20/11/2026", "20.11.2026"). */
export function formatDateShort(iso: string | null | undefined): string {
  if (!iso) return '';
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(iso);
  if (!m) return iso;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return new Intl.DateTimeFormat(locale(), { dateStyle: 'short', timeZone: 'UTC' }).format(d);
}

/** A timestamp (RFC 3339) as local date and time. */
export function formatDateTime(ts: string | null | undefined): string {
  if (!ts) return '';
  const d = new Date(ts);
  if (Number.isNaN(d.getTime())) return ts;
  return new Intl.DateTimeFormat(locale(), { dateStyle: 'medium', timeStyle: 'short' }).format(d);
}

/** The country's name in the chosen language (from the platform's Intl data). */
const regionNames = new Map<string, Intl.DisplayNames | null>();

export function countryName(code: string | null | undefined): string {
  if (!code) return '';
  const loc = locale();
  if (!regionNames.has(loc)) {
    try {
      regionNames.set(loc, new Intl.DisplayNames([loc], { type: 'region' }));
    } catch {
      regionNames.set(loc, null);
    }
  }
  try {
    return regionNames.get(loc)?.of(code) ?? code;
  } catch {
    return code;
  }
}

/** The translated text for an error code, optionally specialised by context. */
export function errorText(code: string): string {
  const key = `error.${code}`;
  return hasKey(key) ? t(key as MessageKey) : t('error.internal');
}
