/**
 * The fake backend's input rules and small helpers (`fakeBackend.ts`): the field checks that
 * mimic the core's `bad_input` errors, path and label rules, case summaries, and a small
 * transliteration-aware name fold. For tests and the `mock` build only.
 */
import type {
  CaseDocument,
  CaseFile,
  CaseFields,
  CaseSummary,
  Contact,
  FamilyMember,
} from '../types';
import { IpcError } from '../types';
import {
  CATEGORIES,
  CONTACT_CHANNELS,
  DOCUMENT_KINDS,
  DOCUMENT_STATUSES,
  RISK_FLAGS,
  RISK_LEVELS,
  STAGES,
  isCountry,
} from '../vocab';
import { isIsoDate } from '../dates';
import model from '../generated/model.json';

const HOME = '/home/volunteer';

const CYR_TO_LAT: Record<string, string> = {
  а: 'a', б: 'b', в: 'v', г: 'g', д: 'd', е: 'e', ё: 'e', ж: 'zh', з: 'z', и: 'i', й: 'y',
  к: 'k', л: 'l', м: 'm', н: 'n', о: 'o', п: 'p', р: 'r', с: 's', т: 't', у: 'u', ф: 'f',
  х: 'kh', ц: 'ts', ч: 'ch', ш: 'sh', щ: 'shch', ъ: '', ы: 'y', ь: '', э: 'e', ю: 'yu', я: 'ya',
};

/** Lower case, ё→е, Cyrillic spelled in Latin letters: "Юрий" → "yuriy". */
export function foldName(s: string): string {
  let out = '';
  for (const ch of s.toLowerCase()) out += CYR_TO_LAT[ch] ?? ch;
  return out.normalize('NFD').replace(/[\u0300-\u036f]/g, '');
}

/** The longest text a field takes, from the core's contract (`generated/model.json`). */
export function maxChars(table: string, field: string): number {
  const f = model.tables.find((t) => t.table === table)?.fields.find((x) => x.name === field);
  if (!f || !('max' in f) || typeof f.max !== 'number') throw new Error(`no text limit for ${table}.${field}`);
  return f.max;
}

/** The limits the core enforces (passphrase, recipients, bundle size). */
export const LIMITS = model.limits;

export const EMPTY_FIELDS: Omit<CaseFields, 'full_name'> = {
  full_name_latin: null,
  aliases: [],
  code_name: null,
  birth_date: null,
  citizenship: [],
  contacts: [],
  languages: [],
  category: null,
  stage: 'first_contact',
  country: null,
  city: null,
  risk_level: null,
  risk_flags: [],
  documents: [],
  criminal_articles: [],
  criminal_case_number: null,
  assigned_to: null,
  partner_org: null,
  family: [],
};

export function bad(field: string, message: string): IpcError {
  return new IpcError('bad_input', `${field}: ${message}`, field);
}

/** Text-direction controls: they can make a name display as something else. */
const BIDI = /[\u202A-\u202E\u2066-\u2069\u200E\u200F\u061C]/;

/** A text as the core's `clean_text` takes it: trimmed, no control characters (newlines and
 * tabs only in `multiline` fields), no text-direction controls, at most `max` characters. */
export function text(field: string, v: unknown, max: number, multiline = false): string | null {
  if (v === null || v === undefined) return null;
  if (typeof v !== 'string') throw bad(field, 'expected a text value in quotes');
  const s = v.trim();
  const control = [...s].find((c) => /\p{Cc}/u.test(c) && !(multiline && (c === '\n' || c === '\t' || c === '\r')));
  if (control !== undefined) throw bad(field, `it contains the control character U+${control.codePointAt(0)?.toString(16).toUpperCase().padStart(4, '0')}`);
  if (BIDI.test(s)) throw bad(field, 'it contains a text-direction control, which can disguise a name');
  if ([...s].length > max) throw bad(field, `at most ${max} characters`);
  return s === '' ? null : s;
}

export function code(field: string, v: unknown, codes: readonly string[]): string | null {
  const s = text(field, v, 100);
  if (s !== null && !codes.includes(s)) throw bad(field, `expected one of ${codes.join(', ')}`);
  return s;
}

/** A list of at most `maxItems` items (the core's bound for the field). */
export function list(field: string, v: unknown, maxItems = Infinity): unknown[] {
  if (v === null || v === undefined) return [];
  if (!Array.isArray(v)) throw bad(field, 'expected a list');
  if (v.length > maxItems) throw bad(field, `at most ${maxItems} items, got ${v.length}`);
  return v;
}

/** An item object with only the `allowed` keys (another key is named in the error). */
function obj(field: string, v: unknown, allowed: string[]): Record<string, unknown> {
  if (!v || typeof v !== 'object' || Array.isArray(v)) throw bad(field, 'expected an object');
  const other = Object.keys(v).find((k) => !allowed.includes(k));
  if (other !== undefined) throw bad(`${field}.${other}`, `unknown key; accepted: ${allowed.join(', ')}`);
  return v as Record<string, unknown>;
}

/** The most items of a list field, from the contract (`max_items`). */
function maxItems(field: string): number {
  const f = model.tables.find((t) => t.table === 'cases')?.fields.find((x) => x.name === field);
  return f && 'max_items' in f && typeof f.max_items === 'number' ? f.max_items : Infinity;
}

export function date(field: string, v: unknown): string | null {
  const s = text(field, v, 10);
  if (s !== null && !isIsoDate(s)) throw bad(field, 'expected a date written YYYY-MM-DD');
  return s;
}

/** Validates one field as `src/model/input.rs` does (the parts the UI can trip over). */
export function fieldValue(key: string, v: unknown): unknown {
  switch (key) {
    case 'full_name':
    case 'full_name_latin':
    case 'code_name':
    case 'city':
    case 'criminal_case_number':
    case 'assigned_to':
    case 'partner_org':
      return text(key, v, maxChars('cases', key));
    case 'birth_date':
      return date(key, v);
    case 'country': {
      const s = text(key, v, 2)?.toUpperCase() ?? null;
      if (s !== null && !isCountry(s)) throw bad(key, 'expected a country code such as AM, GE or KZ');
      return s;
    }
    case 'category':
      return code(key, v, CATEGORIES);
    case 'stage':
      return code(key, v, STAGES);
    case 'risk_level':
      return code(key, v, RISK_LEVELS);
    case 'risk_flags':
      return [...new Set(list(key, v, RISK_FLAGS.length).map((x) => code(key, x, RISK_FLAGS)).filter((x) => x !== null))];
    case 'citizenship':
      return [
        ...new Set(
          list(key, v, 10).map((x) => {
            const s = text(key, x, 2)?.toUpperCase() ?? '';
            if (!isCountry(s)) throw bad(key, 'expected country codes');
            return s;
          }),
        ),
      ];
    case 'aliases':
    case 'languages':
    case 'criminal_articles':
      return [...new Set(list(key, v, maxItems(key)).map((x) => text(key, x, maxChars('cases', key))).filter((x): x is string => x !== null))];
    case 'contacts':
      return list(key, v, 20).map((x): Contact => {
        const o = obj(key, x, ['channel', 'value']);
        const channel = code(`${key}.channel`, o.channel, CONTACT_CHANNELS);
        if (channel === null) throw bad(`${key}.channel`, 'each contact needs a channel');
        const value = text(`${key}.value`, o.value, 200);
        if (value === null) throw bad(`${key}.value`, 'each contact needs a value');
        return { channel, value };
      });
    case 'documents':
      return list(key, v, 20).map((x): CaseDocument => {
        const o = obj(key, x, ['kind', 'status', 'number']);
        const kind = code(`${key}.kind`, o.kind, DOCUMENT_KINDS);
        const status = code(`${key}.status`, o.status, DOCUMENT_STATUSES);
        if (kind === null) throw bad(`${key}.kind`, 'each document needs a kind');
        if (status === null) throw bad(`${key}.status`, 'each document needs a status');
        const number = text(`${key}.number`, o.number, 100);
        return number === null ? { kind, status } : { kind, status, number };
      });
    case 'family':
      return list(key, v, 20).map((x): FamilyMember => {
        const o = obj(key, x, ['name', 'relation', 'birth_date']);
        const name = text(`${key}.name`, o.name, 200);
        if (name === null) throw bad(`${key}.name`, 'each family member needs a name');
        const member: FamilyMember = { name };
        const relation = text(`${key}.relation`, o.relation, 50);
        if (relation !== null) member.relation = relation;
        const birth = date(`${key}.birth_date`, o.birth_date);
        if (birth !== null) member.birth_date = birth;
        return member;
      });
    default:
      throw bad(key || '""', 'unknown key');
  }
}

/** The share folder as the shell checks it: given, `~/` or absolute. */
export function sharePath(path: string): string {
  const p = path.trim();
  if (!p) throw bad('path', 'enter the share folder');
  if (p.startsWith('~/')) return `${HOME}/${p.slice(2)}`;
  if (!p.startsWith('/')) throw bad('path', "give the folder's full path");
  return p;
}

/** A path as the shell takes it: trimmed, `~/` is the home folder. */
export function fullPath(path: string): string {
  const p = path.trim();
  return p.startsWith('~/') ? `${HOME}/${p.slice(2)}` : p;
}

/** A bundle file's path as the shell checks it: given, and absolute after `~/`. */
export function filePath(path: string): string {
  const p = fullPath(path);
  if (!p) throw bad('path', 'enter the path of the file');
  if (!p.startsWith('/')) throw bad('path', "give the file's full path, such as /home/me/casebook-export.age");
  if (p.endsWith('/')) throw bad('path', 'give a file name, not a folder');
  return p;
}

export function deviceLabel(label: string): string {
  const l = label.trim();
  if ([...l].length > 60) throw bad('label', 'use at most 60 characters');
  return l;
}

/** JSON with object keys sorted, so equal values compare equal whatever their key order. */
export function canonical(v: unknown): string {
  return JSON.stringify(v, (_key, value: unknown) =>
    value && typeof value === 'object' && !Array.isArray(value)
      ? Object.fromEntries(Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : value,
  );
}

export function clone<T>(v: T): T {
  return JSON.parse(JSON.stringify(v)) as T;
}

export function summary(c: CaseFile): CaseSummary {
  const open = c.tasks.filter((t) => !t.done && t.due).map((t) => t.due as string);
  open.sort();
  return {
    id: c.id,
    full_name: c.full_name,
    full_name_latin: c.full_name_latin,
    category: c.category,
    stage: c.stage,
    country: c.country,
    city: c.city,
    risk_level: c.risk_level,
    next_due: open[0] ?? null,
    created_at: c.created_at,
    updated_at: c.updated_at,
  };
}

export const NAME_ORDER = new Intl.Collator('ru');

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

