/**
 * Export and import helpers, pure and testable: age public keys as a partner pastes them, the
 * suggested file name, which selection a case-list filter is, file sizes in words, and what
 * each redaction profile keeps and removes (docs/formats/bundle.md section 6) as catalog keys.
 */
import model from './generated/model.json';
import type { MessageKey } from './i18n/index.svelte';
import type { CaseFilter, ExportProfile, ExportSelection } from './types';

/** Bech32's alphabet (no 1, b, i, o). */
const BECH32 = 'qpzry9x8gf2tvdw0s3jn54khce6mua7l';
/** An age X25519 recipient: `age1` and 58 more characters of bech32, 62 in all. */
export const AGE_KEY_LENGTH = 62;
const AGE_KEY = new RegExp(`^age1[${BECH32}]{58}$`);

/** Most keys one bundle is made for. */
export const MAX_RECIPIENTS = 20;

/** Whether `key` (trimmed, any case) looks like an age public key. */
export function isAgeKey(key: string): boolean {
  return AGE_KEY.test(key.trim().toLowerCase());
}

export interface ParsedKeys {
  /** Valid keys, lower case, each once, in the order given. */
  keys: string[];
  /** What was typed that is not a key (shortened for display). */
  bad: string[];
}

/** The keys in what was pasted: one per line, or separated by spaces or commas. */
export function parseRecipients(text: string): ParsedKeys {
  const keys: string[] = [];
  const bad: string[] = [];
  for (const word of text.split(/[\s,;]+/)) {
    if (!word) continue;
    const key = word.toLowerCase();
    if (isAgeKey(key)) {
      if (!keys.includes(key)) keys.push(key);
    } else {
      bad.push(word.length > 24 ? `${word.slice(0, 20)}…` : word);
    }
  }
  return { keys, bad };
}

/** `~/casebook-export-2026-11-23.age`: in the home folder, named by the day. */
export function defaultExportPath(today: string): string {
  return `~/casebook-export-${today}.age`;
}

/** The list's filter as an export selection, when it is one the core selects by itself. */
export function selectionOfFilter(filter: CaseFilter, query: string): ExportSelection | null {
  if (query.trim() || filter.riskLevel || filter.due) return null;
  if (filter.stage && !filter.country) return { kind: 'stage', stage: filter.stage };
  if (filter.country && !filter.stage) return { kind: 'country', country: filter.country };
  if (!filter.stage && !filter.country) return { kind: 'all' };
  return null;
}

export function hasFilter(filter: CaseFilter, query: string): boolean {
  return !!(query.trim() || filter.stage || filter.country || filter.riskLevel || filter.due);
}

/** "48 kB", "1.2 MB" ("48 кБ", "1,2 МБ") in the given locale. */
export function formatBytes(bytes: number, locale: string): string {
  const units: [number, string][] = [
    [1024 * 1024 * 1024, 'gigabyte'],
    [1024 * 1024, 'megabyte'],
    [1024, 'kilobyte'],
  ];
  for (const [size, unit] of units) {
    if (bytes >= size) {
      const n = bytes / size;
      return new Intl.NumberFormat(locale, { style: 'unit', unit, maximumFractionDigits: n < 10 ? 1 : 0 }).format(n);
    }
  }
  return new Intl.NumberFormat(locale, { style: 'unit', unit: 'byte', unitDisplay: 'long' }).format(bytes);
}

export interface ProfileText {
  /** One line: whom the profile is for. */
  use: MessageKey;
  /** What the partner will see. */
  sees: MessageKey[];
  /** What is taken out before the file is written. */
  removes: MessageKey[];
}

/** The classes the wizard names, in the core's order (structure and compound are not data). */
const SHOWN_CLASSES = model.redaction.classes.filter((c) => c !== 'structure' && c !== 'compound');

/** Whom each profile is for. */
const PROFILE_USE: Record<ExportProfile, MessageKey> = {
  full: 'export.profile.full.use',
  'no-identity': 'export.profile.no_identity.use',
  summary: 'export.profile.summary.use',
};

/**
 * The plain-words preview of a profile, generated from the core's redaction table
 * (`model.redaction`, docs/formats/bundle.md section 6): what each class of data becomes.
 */
export function profileText(profile: ExportProfile, includeCity = false): ProfileText {
  const table = (includeCity ? model.redaction.profiles_with_city : model.redaction.profiles) as Record<
    string,
    Record<string, string>
  >;
  const row = table[profile] ?? {};
  const key = (c: string) => `export.class.${c}` as MessageKey;
  const sees = SHOWN_CLASSES.filter((c) => row[c] === 'keep').map(key);
  const removes = SHOWN_CLASSES.filter((c) => row[c] !== 'keep').map(key);
  if (profile !== 'full') removes.push('export.class.metadata');
  return { use: PROFILE_USE[profile], sees, removes: removes.length > 0 ? removes : ['export.removes.nothing'] };
}

/** The profile's name in the catalogs ("no-identity" → `export.profile.no_identity`). */
export function profileKey(profile: string): MessageKey | null {
  switch (profile) {
    case 'full':
      return 'export.profile.full';
    case 'no-identity':
      return 'export.profile.no_identity';
    case 'summary':
      return 'export.profile.summary';
    default:
      return null;
  }
}
