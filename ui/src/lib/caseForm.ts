/**
 * The editable form of a case's fields: text inputs hold strings, lists typed as text are
 * comma-separated, and empty means "not set". Converts to `case_create` / `case_update`
 * input; an update carries only the keys that changed.
 */
import type { CaseFields, CaseInput, CaseUpdate, FieldName } from './types';

export interface CaseDraft {
  full_name: string;
  full_name_latin: string;
  aliases: string;
  code_name: string;
  birth_date: string;
  citizenship: string[];
  contacts: { channel: string; value: string }[];
  languages: string;
  category: string;
  stage: string;
  country: string;
  city: string;
  risk_level: string;
  risk_flags: string[];
  documents: { kind: string; status: string; number: string }[];
  criminal_articles: string;
  criminal_case_number: string;
  assigned_to: string;
  partner_org: string;
  family: { name: string; relation: string; birth_date: string }[];
}

/** The fields each part of the form edits. */
export const SECTIONS = {
  person: ['full_name', 'full_name_latin', 'aliases', 'code_name', 'birth_date', 'citizenship', 'languages', 'contacts', 'family'],
  case: ['category', 'country', 'city', 'risk_level', 'risk_flags', 'assigned_to', 'partner_org'],
  documents: ['documents'],
  criminal: ['criminal_articles', 'criminal_case_number'],
} as const satisfies Record<string, readonly FieldName[]>;

export type SectionName = keyof typeof SECTIONS;

export const INTAKE_FIELDS: readonly FieldName[] = [
  'full_name',
  'full_name_latin',
  'aliases',
  'code_name',
  'birth_date',
  'citizenship',
  'languages',
  'contacts',
  'family',
  'category',
  'stage',
  'country',
  'city',
  'risk_level',
  'risk_flags',
  'documents',
  'criminal_articles',
  'criminal_case_number',
  'assigned_to',
  'partner_org',
];

export function emptyDraft(): CaseDraft {
  return {
    full_name: '',
    full_name_latin: '',
    aliases: '',
    code_name: '',
    birth_date: '',
    citizenship: [],
    contacts: [],
    languages: '',
    category: '',
    stage: 'first_contact',
    country: '',
    city: '',
    risk_level: '',
    risk_flags: [],
    documents: [],
    criminal_articles: '',
    criminal_case_number: '',
    assigned_to: '',
    partner_org: '',
    family: [],
  };
}

const joinList = (items: readonly string[] | null | undefined) => (items ?? []).join(', ');

export function splitList(text: string): string[] {
  const seen = new Set<string>();
  for (const part of text.split(',')) {
    const s = part.trim();
    if (s) seen.add(s);
  }
  return [...seen];
}

export function draftOf(c: CaseFields): CaseDraft {
  return {
    full_name: c.full_name,
    full_name_latin: c.full_name_latin ?? '',
    aliases: joinList(c.aliases),
    code_name: c.code_name ?? '',
    birth_date: c.birth_date ?? '',
    citizenship: [...(c.citizenship ?? [])],
    contacts: (c.contacts ?? []).map((x) => ({ channel: x.channel, value: x.value })),
    languages: joinList(c.languages),
    category: c.category ?? '',
    stage: c.stage,
    country: c.country ?? '',
    city: c.city ?? '',
    risk_level: c.risk_level ?? '',
    risk_flags: [...(c.risk_flags ?? [])],
    documents: (c.documents ?? []).map((d) => ({ kind: d.kind, status: d.status, number: d.number ?? '' })),
    criminal_articles: joinList(c.criminal_articles),
    criminal_case_number: c.criminal_case_number ?? '',
    assigned_to: c.assigned_to ?? '',
    partner_org: c.partner_org ?? '',
    family: (c.family ?? []).map((f) => ({ name: f.name, relation: f.relation ?? '', birth_date: f.birth_date ?? '' })),
  };
}

const orNull = (s: string) => (s.trim() === '' ? null : s.trim());

/** The value of one field as the contract wants it (empty → null or []). */
export function fieldValue<K extends FieldName>(d: CaseDraft, key: K): CaseFields[K] | null {
  const v = ((): unknown => {
    switch (key) {
      case 'aliases':
      case 'languages':
      case 'criminal_articles':
        return splitList(d[key as 'aliases' | 'languages' | 'criminal_articles']);
      case 'citizenship':
      case 'risk_flags':
        return [...d[key as 'citizenship' | 'risk_flags']];
      case 'contacts':
        return d.contacts.map((c) => ({ channel: c.channel, value: c.value.trim() }));
      case 'documents':
        return d.documents.map((x) =>
          x.number.trim() ? { kind: x.kind, status: x.status, number: x.number.trim() } : { kind: x.kind, status: x.status },
        );
      case 'family':
        return d.family.map((f) => {
          const m: { name: string; relation?: string; birth_date?: string } = { name: f.name.trim() };
          if (f.relation.trim()) m.relation = f.relation.trim();
          if (f.birth_date.trim()) m.birth_date = f.birth_date.trim();
          return m;
        });
      case 'full_name':
        return d.full_name.trim();
      case 'stage':
        return d.stage;
      default:
        return orNull(d[key as keyof CaseDraft] as string);
    }
  })();
  return v as CaseFields[K] | null;
}

/** `case_create` input: set fields only; the note (if any) as the first note. */
export function createInput(d: CaseDraft, note: string): CaseInput {
  const input: Record<string, unknown> = { full_name: d.full_name.trim() };
  for (const key of INTAKE_FIELDS) {
    if (key === 'full_name') continue;
    const v = fieldValue(d, key);
    if (v === null || (Array.isArray(v) && v.length === 0)) continue;
    input[key] = v;
  }
  if (note.trim()) input.notes = [note.trim()];
  return input as CaseInput;
}

function normalised(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (Array.isArray(v) && v.length === 0) return 'null';
  if (typeof v === 'string' && v.trim() === '') return 'null';
  return JSON.stringify(v);
}

/** `case_update` input with the keys of `fields` whose value differs from `original`. */
export function updateInput(d: CaseDraft, original: CaseFields, fields: readonly FieldName[]): CaseUpdate {
  const out: Record<string, unknown> = {};
  const base = draftOf(original);
  for (const key of fields) {
    const next = fieldValue(d, key);
    if (normalised(next) === normalised(fieldValue(base, key))) continue;
    out[key] = Array.isArray(next) && next.length === 0 ? null : next;
  }
  return out as CaseUpdate;
}

/** Whether an error's `field` ("contacts.value") belongs to the form field `name` ("contacts"). */
export function fieldMatches(errorField: string | undefined, name: string): boolean {
  return !!errorField && (errorField === name || errorField.startsWith(`${name}.`));
}
