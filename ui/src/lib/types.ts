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
  | 'share_unreachable'
  | 'closing'
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
  'share_unreachable',
  'closing',
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
  /** Set when the vault folder is on a network drive (the core's words; the UI shows its own). */
  networkDrive?: string | null;
}

export type Language = 'en' | 'ru';
export const LANGUAGES: readonly Language[] = ['en', 'ru'];

export interface Settings {
  language: Language;
  /** 1..120, default 5. */
  autoLockMinutes: number;
  /** Sync by itself while unlocked (default on). */
  autoSync: boolean;
  /** Publish this device's edits at most every … minutes: 5, 15 (default), 30 or 60. */
  publishMinutes: number;
}

/** The shell's `sync-finished` event: an automatic sync ran, with its report or its error. */
export interface SyncFinished {
  automatic: boolean;
  report: SyncReport | null;
  error: IpcError | null;
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
  /** A pseudonym chosen for sharing: the only name a "without identity" file carries. */
  code_name: string | null;
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

// ---- Sync through a share (docs/ipc.md, "Sync"; the core's report types, snake_case) ------

/** One device of the group as the vault sees it. */
export interface SyncDevice {
  /** 32 hex digits. */
  device: string;
  label: string;
  this_device: boolean;
  /** This device: updates written; the others: updates applied here. */
  seq: number;
  /** The highest update of the device on the share (null when the share is unreachable). */
  share_seq: number | null;
  /** When this vault last applied an update of the device (RFC 3339). */
  last_heard: string | null;
  /** When the device wrote its last applied update (its own clock). */
  last_written: string | null;
  /** The first missing update when later ones are on the share. */
  gap: number | null;
  /** The newest sync format the device reads (below this build's: alarm `old_version`). */
  reads: number;
  /** In a group with a roster: what the device may do. */
  role?: 'coordinator' | 'member';
  /** In a group with a roster: `pending` (asked to join), `member`, `revoked`; `legacy`: a
   *  device of the group this one was upgraded from (its history counts; it must join again). */
  state?: 'pending' | 'member' | 'revoked' | 'legacy';
}

/** Something that needs a person: `fork`, `key_changed`, `vault_older_than_share`. */
export interface SyncAlarm {
  device: string;
  seq: number;
  kind: string;
  /** The core's English explanation (shown under "details"). */
  detail: string;
  first_seen: string;
}

/** A device proven to have forked its history: what it wrote from `from_seq` on was taken
 * back here (docs/formats/delta.md section 11.2) until a person accepts it. */
export interface SyncQuarantine {
  device: string;
  label: string;
  from_seq: number;
  changes: number;
  records: number;
  voided_at: string;
  accepted_at: string | null;
}

export interface SyncStatus {
  group_id: string;
  path: string;
  reachable: boolean;
  unreachable_reason: string | null;
  devices: SyncDevice[];
  alarms: SyncAlarm[];
  quarantine: SyncQuarantine[];
  conflicts: number;
  /** In a group with a roster: this device's state (`pending` until approved). */
  state?: 'pending' | 'member' | 'revoked';
  /** While pending: the code to read out to the person who invited this device. */
  code?: string;
  /** Once approved: the device that approved this one. */
  approved_by?: string;
  /** The epoch the group writes under (32 hex digits). */
  epoch?: string;
  /** The roster head as four words, to compare with a coordinator by phone. */
  roster_head?: string;
}

export interface ConflictValue {
  /** 1 = the value shown now; `conflict_resolve`'s `keep`. */
  n: number;
  /** The stored value: text, number, null; list fields are JSON text. */
  value: unknown;
  device: string;
  device_label: string;
  time: string;
  shown: boolean;
}

export interface Conflict {
  id: string;
  case_id: string;
  /** `case`, `event`, `task` or `note`. */
  record: string;
  record_id: string;
  /** The field's name (`stage`, `title`, ...), or `deleted`. */
  field: string;
  values: ConflictValue[];
}

/** Not attached: conflicts can still come from an import (`conflicts` then lists them). */
export type SyncOverview =
  | { attached: false; conflicts?: Conflict[] }
  | { attached: true; status: SyncStatus; conflicts: Conflict[] };

export interface SyncAttachment {
  group_id: string;
  path: string;
  device_id: string;
  /** After creating a group: its recovery key, shown once (never stored by the app). */
  recovery_key?: string;
  /** After joining: `pending` and the code to read out. */
  state?: string;
  code?: string;
  /** After an upgrade: the devices of the old group whose history the new one keeps. */
  old_devices?: number;
}

/** A device that asked to join and waits for this device's answer (never its code). */
export interface SyncJoinRequest {
  device: string;
  label: string;
  arrived_at: string;
}

export interface SyncInvite {
  /** One line, `CASEBOOK-INVITE-2:...`: it holds no key of the group. */
  invite: string;
  /** Four generated words: sent by another channel than the invite. */
  passphrase: string;
}

export interface SyncReceived {
  device: string;
  label: string;
  seq: number;
  changes: number;
}

export interface SyncProblem {
  /** Path inside the share folder. */
  file: string;
  problem: string;
}

export interface SyncWaiting {
  device: string;
  label: string;
  seq: number;
  /** `missing`, `dependency`, `other_version`, `newer_version`, `no_record`, `refused`,
   * `deferred`, `quarantined`. */
  state: string;
  reason: string;
}

export interface SyncReport {
  sent_deltas: number;
  sent_changes: number;
  republished: number;
  received: SyncReceived[];
  received_changes: number;
  conflicts: number;
  new_conflicts: number;
  problems: SyncProblem[];
  waiting: SyncWaiting[];
  alarms: SyncAlarm[];
  quarantined: SyncQuarantine[];
}

// ---- Export bundles and import (docs/ipc.md, "Export and import"; the core's types) -------

/** What the partner gets: everything, no identity, or a summary (docs/formats/bundle.md §6). */
export type ExportProfile = 'full' | 'no-identity' | 'summary';
export const EXPORT_PROFILES: readonly ExportProfile[] = ['full', 'no-identity', 'summary'];

/** Which cases go into a bundle. */
/** `export_rarity`: how many cases of this vault share the facts of the rarest selected one. */
export interface Rarity {
  smallest: number;
  /** How many selected cases share their facts with fewer than `rare_below` cases. */
  rare: number;
  rare_below: number;
}

export type ExportSelection =
  | { kind: 'all' }
  | { kind: 'ids'; ids: string[] }
  | { kind: 'stage'; stage: string }
  | { kind: 'country'; country: string };

/** `export_run`: exactly one of `partner`, `recipients` (age public keys) and `passphrase`. */
export interface ExportRequest {
  selection: ExportSelection;
  profile: ExportProfile;
  recipients?: string[];
  /** A contact-book partner: the bundle is encrypted to its keys confirmed on this device. */
  partner?: string;
  /** `no-identity` only: keep the city. */
  include_city?: boolean;
  passphrase?: string;
  /** The new file's full path (`~/` is the home folder); an existing file is never overwritten. */
  path: string;
}

export interface ExportSummary {
  cases: number;
  notes: number;
  tasks: number;
  events: number;
  /** Size of the written file. */
  bytes: number;
  profile: ExportProfile;
  bundle_id: string;
  /** The contact-book partner it was made for. */
  partner: string | null;
  /** The age keys it was encrypted to, or `passphrase`. */
  recipients: string[];
}

/** One key of a partner (docs/formats/bundle.md §8). */
export interface PartnerKey {
  kind: 'recipient' | 'signing';
  key: string;
  fingerprint: string;
  /** Four words of the fingerprint, to read out by phone. */
  words: string;
  confirmed: boolean;
  usable: boolean;
  added_at: string;
  /** The device that added it (its id) and its name in the group, if known. */
  added_by: string;
  added_by_label: string | null;
  added_here: boolean;
  note: string | null;
}

/** A partner organisation of the contact book. */
export interface Partner {
  name: string;
  note: string;
  /** The usable age keys and signing keys. */
  recipients: string[];
  signing_keys: string[];
  keys: PartnerKey[];
}

/** `partner_add`: a new partner, or keys added to one (confirmed on this device). */
export interface PartnerInput {
  name: string;
  recipients: string[];
  signing_keys: string[];
  note?: string;
}

/** This vault's own keys (`identity_show`), for partners. */
export interface OwnKeysView {
  /** The age public key partners encrypt to. */
  publicKey: string;
  /** The bundle-signing key (an OpenSSH line) partners verify with, its fingerprint and words. */
  signingKey: string;
  fingerprint: string;
  words: string;
  /** The line a partner puts in its `allowed_signers` file for `ssh-keygen -Y verify`. */
  allowedSigners: string;
}

export type ImportAction = 'create' | 'update' | 'unchanged' | 'refused';

/** Who signed a bundle (docs/formats/bundle.md §7.1), from the verified key, never a claim. */
export type SignerClass = 'own' | 'partner' | 'unknown' | 'unsigned';

export interface ImportTrust {
  class: SignerClass;
  /** The contact-book partner whose confirmed key signed it. */
  partner: string | null;
  /** The signing key (an OpenSSH line) and its `SHA256:` fingerprint. */
  key: string | null;
  fingerprint: string | null;
  /** Encrypted to this vault (or to a passphrase); otherwise it was forwarded. */
  addressed: boolean;
  /** The partner it was made for, as the signed manifest says. */
  made_for: string | null;
  /** Signed by a key this vault trusts and made for it: it may change existing cases. */
  verified: boolean;
}

/** One field an import changes. */
export interface ImportFieldPlan {
  case: string;
  record: string;
  kind: string;
  field: string;
  local: unknown;
  incoming: unknown;
  action: 'apply' | 'conflict';
}

export interface ImportPlanCase {
  id: string;
  name: string;
  action: ImportAction;
}

/** What an import would do (`import_preview`); nothing is changed yet. */
export interface ImportPlan {
  /** The signer line in English (the UI words it from `trust`). */
  signer: string;
  trust: ImportTrust;
  version: number;
  bundle_id: string | null;
  in_reply_to: string | null;
  /** When this bundle was imported before (then nothing changes). */
  already_imported: string | null;
  creates: number;
  updates: ImportFieldPlan[];
  /** Cases and records refused: this vault has them and the bundle is not verified. */
  refused: number;
  /** Fields that will become conflicts to review. */
  conflicts: number;
  profile: ExportProfile;
  /** RFC 3339. */
  exported_at: string;
  /** The exporting vault's id, as the bundle claims it (shown, never trusted). */
  vault_id: string;
  create: number;
  update: number;
  unchanged: number;
  notes: number;
  tasks: number;
  events: number;
  cases: ImportPlanCase[];
}

export interface ImportReport {
  created: number;
  updated: number;
  unchanged: number;
  refused: number;
  conflicts: number;
}
