/**
 * The data shapes that cross the IPC boundary (docs/ipc.md, "casebook-ipc v1").
 * Field names are the contract's: snake_case for case data, camelCase for settings and
 * command results. Vocabulary values are the stored codes of `src/model/vocab.rs`.
 */

export type ErrorCode =
  | 'wrong_key'
  | 'bad_input'
  | 'not_found'
  | 'vault_missing'
  | 'vault_damaged'
  | 'vault_too_new'
  | 'vault_exists'
  | 'locked'
  | 'io'
  | 'internal';

export const ERROR_CODES: readonly ErrorCode[] = [
  'wrong_key',
  'bad_input',
  'not_found',
  'vault_missing',
  'vault_damaged',
  'vault_too_new',
  'vault_exists',
  'locked',
  'io',
  'internal',
];

/** A failed command, as the UI branches on it: by `code` (and `field`), never by `message`. */
export class IpcError extends Error {
  readonly code: ErrorCode;
  readonly field?: string;

  constructor(code: ErrorCode, message: string, field?: string) {
    super(message);
    this.name = 'IpcError';
    this.code = code;
    if (field !== undefined) this.field = field;
  }
}

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && (ERROR_CODES as readonly string[]).includes(value);
}

/** Turns anything a command rejected with into an `IpcError`. */
export function toIpcError(e: unknown): IpcError {
  if (e instanceof IpcError) return e;
  if (e && typeof e === 'object') {
    const o = e as { code?: unknown; message?: unknown; field?: unknown };
    if (isErrorCode(o.code)) {
      const message = typeof o.message === 'string' ? o.message : '';
      const field = typeof o.field === 'string' && o.field !== '' ? o.field : undefined;
      return new IpcError(o.code, message, field);
    }
    if (typeof o.message === 'string') return new IpcError('internal', o.message);
  }
  if (typeof e === 'string') return new IpcError('internal', e);
  return new IpcError('internal', String(e));
}

export interface VaultStatus {
  exists: boolean;
  unlocked: boolean;
  path: string;
}

export type Language = 'en' | 'ru';
export const LANGUAGES: readonly Language[] = ['en', 'ru'];

export interface Settings {
  language: Language;
  /** 1..120, default 5. */
  autoLockMinutes: number;
}

export type LockReason = 'idle' | 'suspend' | 'user';

export type DueFilter = 'overdue' | 'week';

export interface CaseFilter {
  stage: string | null;
  country: string | null;
  riskLevel: string | null;
  due: DueFilter | null;
}

export type Sort = 'updated' | 'name' | 'next_due' | 'risk';
export const SORTS: readonly Sort[] = ['updated', 'name', 'next_due', 'risk'];

export interface CasesQuery {
  query: string;
  filter: CaseFilter;
  sort: Sort;
  offset: number;
  limit: number;
}

export interface CaseSummary {
  id: string;
  full_name: string;
  full_name_latin: string | null;
  category: string | null;
  stage: string;
  country: string | null;
  city: string | null;
  risk_level: string | null;
  /** Earliest due date of an open task. */
  next_due: string | null;
  created_at: string;
  updated_at: string;
}

export interface CasePage {
  total: number;
  rows: CaseSummary[];
}

export interface Contact {
  channel: string;
  value: string;
}

export interface CaseDocument {
  kind: string;
  status: string;
  number?: string;
}

export interface FamilyMember {
  name: string;
  relation?: string;
  birth_date?: string;
}

export interface CaseEvent {
  id: string;
  date: string;
  kind: string;
  text: string | null;
}

export interface Task {
  id: string;
  title: string;
  due: string | null;
  done: boolean;
}

export interface Note {
  id: string;
  body: string;
  created_at: string;
  author_device: string;
}

/** The fields of a case that `case_create` / `case_update` accept. */
export interface CaseFields {
  full_name: string;
  full_name_latin: string | null;
  aliases: string[];
  birth_date: string | null;
  citizenship: string[];
  contacts: Contact[];
  languages: string[];
  category: string | null;
  stage: string;
  country: string | null;
  city: string | null;
  risk_level: string | null;
  risk_flags: string[];
  documents: CaseDocument[];
  criminal_articles: string[];
  criminal_case_number: string | null;
  assigned_to: string | null;
  partner_org: string | null;
  family: FamilyMember[];
}

export type FieldName = keyof CaseFields;

export interface CaseFile extends CaseFields {
  id: string;
  created_at: string;
  updated_at: string;
  events: CaseEvent[];
  tasks: Task[];
  /** Newest first. */
  notes: Note[];
}

/** `case_create` input: `full_name` is required; `notes` are texts added as notes. */
export type CaseInput = { full_name: string } & Partial<Omit<CaseFields, 'full_name'>> & { notes?: string[] };

/** `case_update` input: only the keys given change; `null` clears. */
export type CaseUpdate = { [K in FieldName]?: CaseFields[K] | null };
