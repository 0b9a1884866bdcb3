/**
 * An in-memory `Backend` for tests and the `vite --mode mock` build. Never imported by the
 * production entry (main.ts loads it through a dynamic import behind `MODE === 'mock'`).
 *
 * It mimics what the UI relies on: `wrong_key` for a wrong passphrase, `bad_input` naming
 * the field, `locked` while locked, paging with `total`, a small transliteration-aware name
 * search, `vault-locked` events (`emitLocked`), and sync through a share: create/join/invite,
 * a report counting the changes made since the last sync, other devices, alarms and
 * conflicts put in by tests (`attachShare`, `addPeer`, `addConflict`, `nextSyncReport`), and
 * export bundles kept as in-memory "files" (`export_run` writes one, `import_preview`/`import_apply`
 * read it; `putFile` puts a broken or hostile one, `importConflicts` makes the next import report
 * conflicts).
 */
import type { Backend } from './ipc';
import type {
  CaseFile,
  CaseFields,
  CaseInput,
  CasePage,
  CasesQuery,
  CaseSummary,
  CaseUpdate,
  Conflict,
  ErrorCode,
  ExportProfile,
  ExportRequest,
  ExportSummary,
  ImportPlan,
  ImportPlanCase,
  ImportReport,
  LockReason,
  Settings,
  SyncAlarm,
  SyncAttachment,
  SyncQuarantine,
  SyncDevice,
  SyncFinished,
  SyncInvite,
  SyncOverview,
  SyncReport,
  VaultStatus,
} from './types';
import { IpcError } from './types';
import {
  CATEGORIES,
  EVENT_KINDS,
  RISK_LEVELS,
  STAGES,
  riskRank,
} from './vocab';
import { addDays } from './dates';
import {
  foldName,
  EMPTY_FIELDS,
  bad,
  text,
  code,
  list,
  date,
  fieldValue,
  sharePath,
  fullPath,
  filePath,
  deviceLabel,
  canonical,
  clone,
  summary,
  NAME_ORDER,
  sleep,
} from './fakeInput';

/** Searched for by `scripts/check-dist.mjs`: it must never appear in a production bundle. */
export const FAKE_BACKEND_MARKER = 'casebook-fake-backend';

export interface FakeOptions {
  passphrase?: string;
  exists?: boolean;
  unlocked?: boolean;
  /** "Today" for due-date filters, `YYYY-MM-DD`. */
  today?: string;
  /** How long the fake KDF takes on create/unlock/change (ms). */
  kdfDelayMs?: number;
  settings?: Partial<Settings>;
  path?: string;
  /** The vault folder is on a network drive (`vault_status.networkDrive`). */
  networkDrive?: string;
  recoveryKey?: string;
  /** How long `sync_now` takes (ms). */
  syncDelayMs?: number;
  /** How long `export_run`, `import_preview` and `import_apply` take (ms). */
  exportDelayMs?: number;
}

/** This fake vault's age public key (`identity_show`). */
export const FAKE_PUBLIC_KEY = 'age1qpzry9x8gf2tvdw0s3jn54khce6mua7lqpzry9x8gf2tvdw0s3jn54khce';
/** Another vault's id, as bundles made elsewhere carry it. */
export const FAKE_OTHER_VAULT = '0193a5c2-7d41-7c3e-9a55-2f1e0d9c8b7a';
const FAKE_VAULT_ID = '0193a5c2-0000-7000-8000-a1b2c3d4e5f6';
/** The shell refuses to read bundles larger than this. */
export const MAX_BUNDLE_BYTES = 300 * 1024 * 1024;

/** A bundle "file" of the fake: what `export_run` wrote (or a test put there). */
export interface FakeBundle {
  profile: ExportProfile;
  vault_id: string;
  exported_at: string;
  cases: CaseFile[];
  recipients?: string[];
  passphrase?: string;
  /** A broken or hostile file: reading it fails with `bad_input` and this message. */
  broken?: string;
  /** Size in bytes (default: from the content). */
  bytes?: number;
}

/** The one-time passphrase of the fake's invites (and the one `sync_join` accepts). */
export const FAKE_INVITE_PASSPHRASE = 'tobako-rimesu-dazuno-feviha';
export const FAKE_INVITE =
  'CASEBOOK-INVITE-1:0M2BQ7H8V4K9D3X6Z1T5N8R2W7C4Y9F3J6P0G5S8A1E4M7Q2B6H9V3K0D8X5Z2T7N4R1W6C9Y3F8J5P2G7S4A0E6M1Q9B3';
const FAKE_DEVICE_ID = 'a1b2c3d4e5f60718293a4b5c6d7e8f90';

interface FakeShare {
  path: string;
  label: string;
  reachable: boolean;
  /** Updates this device has written. */
  seq: number;
  peers: SyncDevice[];
  alarms: SyncAlarm[];
  quarantine: SyncQuarantine[];
}

export interface Call {
  command: string;
  args: unknown;
}

export class FakeBackend implements Backend {
  readonly marker = FAKE_BACKEND_MARKER;
  /** Every command called, in order, with its arguments. */
  readonly calls: Call[] = [];

  private passphrase: string;
  private exists: boolean;
  private unlocked: boolean;
  private settings: Settings;
  private readonly path: string;
  private readonly recoveryKey: string;
  private readonly kdfDelayMs: number;
  readonly today: string;
  private readonly cases = new Map<string, CaseFile>();
  private readonly listeners = new Set<(r: LockReason) => void>();
  private readonly syncListeners = new Set<(e: SyncFinished) => void>();
  private readonly failures = new Map<string, IpcError[]>();
  private nextId = 1;
  private tick = 0;
  private readonly networkDrive: string | null;
  private share: FakeShare | null = null;
  /** Changes made since the last sync (what the next `sync_now` sends). */
  private unsent = 0;
  private extraReport: Partial<SyncReport> | null = null;
  private readonly syncDelayMs: number;
  private readonly exportDelayMs: number;
  /** Open conflicts (from sync or import): they are the vault's, shown with or without a share. */
  private readonly conflicts: Conflict[] = [];
  /** Bundle files by full path. */
  readonly files = new Map<string, FakeBundle>();
  private nextImportConflicts = 0;

  constructor(opts: FakeOptions = {}) {
    this.passphrase = opts.passphrase ?? 'correct horse battery';
    this.exists = opts.exists ?? true;
    this.unlocked = opts.unlocked ?? false;
    this.settings = { language: 'en', autoLockMinutes: 5, autoSync: true, publishMinutes: 15, ...opts.settings };
    this.path = opts.path ?? '/home/volunteer/.local/share/casebook/vault';
    this.networkDrive = opts.networkDrive ?? null;
    this.recoveryKey = opts.recoveryKey ?? 'K7QF-2M9D-XW4P-HT6R-8BNC-Z3LV-Q5JE-YA2G';
    this.kdfDelayMs = opts.kdfDelayMs ?? 0;
    this.today = opts.today ?? '2026-11-23';
    this.syncDelayMs = opts.syncDelayMs ?? 0;
    this.exportDelayMs = opts.exportDelayMs ?? 0;
  }

  // ---- test helpers -------------------------------------------------------------------

  /** Makes the next call of `command` reject with the given error. */
  failNext(command: string, code: ErrorCode, field?: string, message = 'injected failure'): void {
    const queue = this.failures.get(command) ?? [];
    queue.push(new IpcError(code, message, field));
    this.failures.set(command, queue);
  }

  /** An automatic sync as the shell runs it: syncs (or fails with `error`) and tells the listeners. */
  async emitAutoSync(error?: IpcError): Promise<void> {
    const event: SyncFinished = error
      ? { automatic: true, report: null, error }
      : { automatic: true, report: await this.syncNow(), error: null };
    for (const cb of this.syncListeners) cb(event);
  }

  /** Locks as the shell does on idle or suspend, and tells the listeners. */
  emitLocked(reason: LockReason): void {
    this.unlocked = false;
    for (const cb of this.listeners) cb(reason);
  }

  isUnlocked(): boolean {
    return this.unlocked;
  }

  callsOf(command: string): unknown[] {
    return this.calls.filter((c) => c.command === command).map((c) => c.args);
  }

  /** Adds a case directly (no validation, works while locked); returns its id. */
  put(fields: Partial<CaseFile> & { full_name: string }): string {
    const id = fields.id ?? this.newId('case');
    const now = this.now();
    const c: CaseFile = {
      ...clone(EMPTY_FIELDS),
      id,
      created_at: now,
      updated_at: now,
      events: [],
      tasks: [],
      notes: [],
      ...clone(fields),
    };
    this.cases.set(id, c);
    return id;
  }

  /** Attaches the vault to a share as `sync_create` would (works while locked). */
  attachShare(path = '/home/volunteer/Sync/casebook', label = 'Anna laptop'): void {
    this.share = { path, label, reachable: true, seq: 0, peers: [], alarms: [], quarantine: [] };
  }

  /** Adds another device of the group (the share must be attached). */
  addPeer(device: Partial<SyncDevice> & { device: string; label: string }): void {
    this.requireShare().peers.push({
      this_device: false,
      seq: 0,
      share_seq: 0,
      last_heard: null,
      last_written: null,
      gap: null,
      reads: 2,
      ...device,
    });
  }

  /** Adds a conflict to review; `values[0]` is the value shown now. */
  addConflict(conflict: Conflict): void {
    this.conflicts.push(clone(conflict));
  }

  /** Puts a bundle "file" at `path` (`~/` is the fake's home folder). */
  putFile(path: string, bundle: Partial<FakeBundle> = {}): void {
    this.files.set(fullPath(path), {
      profile: 'full',
      vault_id: FAKE_OTHER_VAULT,
      exported_at: `${this.today}T08:00:00.000Z`,
      cases: [],
      recipients: [FAKE_PUBLIC_KEY],
      ...clone(bundle),
    });
  }

  /** The next `import_apply` reports this many conflicts. */
  importConflicts(n: number): void {
    this.nextImportConflicts = n;
  }

  /** Makes the share folder reachable or not (an unplugged stick). */
  setShareReachable(reachable: boolean): void {
    this.requireShare().reachable = reachable;
  }

  /** Merged into the next `sync_now` report (received deltas, problems, waiting, alarms). */
  nextSyncReport(extra: Partial<SyncReport>): void {
    this.extraReport = clone(extra);
  }

  /** Adds `n` generated cases with Cyrillic and Latin names. */
  seed(n: number): void {
    const first = ['Александр', 'Юрий', 'Дмитрий', 'Сергей', 'Алексей', 'Иван', 'Михаил', 'Андрей', 'Павел', 'Никита'];
    const last = ['Жуков', 'Щукин', 'Иванов', 'Смирнов', 'Кузнецов', 'Попов', 'Соколов', 'Лебедев', 'Козлов', 'Новиков'];
    const places: [string, string][] = [
      ['AM', 'Ереван'],
      ['GE', 'Тбилиси'],
      ['KZ', 'Алматы'],
      ['GE', 'Батуми'],
      ['KZ', 'Астана'],
      ['RS', 'Белград'],
    ];
    for (let i = 0; i < n; i++) {
      const name = `${first[i % first.length]} ${last[Math.floor(i / first.length) % last.length]}`;
      const [country, city] = places[i % places.length];
      const id = this.put({
        full_name: `${name} ${i + 1}`,
        full_name_latin: `${foldName(name).replace(/\b\w/g, (ch) => ch.toUpperCase())} ${i + 1}`,
        stage: STAGES[i % STAGES.length],
        category: CATEGORIES[i % CATEGORIES.length],
        country,
        city,
        risk_level: RISK_LEVELS[i % RISK_LEVELS.length],
      });
      if (i % 7 === 0) {
        const c = this.cases.get(id) as CaseFile;
        c.tasks.push({ id: this.newId('task'), title: 'Follow up', due: addDays(this.today, (i % 21) - 10), done: false });
      }
    }
  }

  // ---- Backend --------------------------------------------------------------------------

  async vaultStatus(): Promise<VaultStatus> {
    this.record('vault_status');
    return { exists: this.exists, unlocked: this.unlocked, path: this.path, networkDrive: this.networkDrive };
  }

  async vaultCreate(passphrase: string): Promise<{ recoveryKey: string }> {
    this.record('vault_create', { passphrase });
    if (this.exists) throw new IpcError('vault_exists', 'a vault already exists here');
    if (!passphrase) throw bad('passphrase', 'it is required');
    await sleep(this.kdfDelayMs);
    this.passphrase = passphrase;
    this.exists = true;
    this.unlocked = true;
    return { recoveryKey: this.recoveryKey };
  }

  async vaultUnlock(passphrase: string): Promise<void> {
    this.record('vault_unlock', { passphrase });
    if (!this.exists) throw new IpcError('vault_missing', 'no vault at the configured place');
    await sleep(this.kdfDelayMs);
    if (passphrase !== this.passphrase) throw new IpcError('wrong_key', 'wrong passphrase or recovery key');
    this.unlocked = true;
  }

  async vaultLock(): Promise<void> {
    this.record('vault_lock');
    this.unlocked = false;
  }

  async vaultChangePassphrase(current: string, next: string): Promise<void> {
    this.record('vault_change_passphrase', { current, next });
    this.requireUnlocked();
    await sleep(this.kdfDelayMs);
    if (current !== this.passphrase) throw new IpcError('wrong_key', 'wrong passphrase or recovery key');
    if (!next) throw bad('next', 'it is required');
    this.passphrase = next;
  }

  async sessionTouch(): Promise<void> {
    this.record('session_touch');
  }

  async settingsGet(): Promise<Settings> {
    this.record('settings_get');
    return { ...this.settings };
  }

  async settingsSet(settings: Settings): Promise<Settings> {
    this.record('settings_set', { settings: { ...settings } });
    if (settings.language !== 'en' && settings.language !== 'ru') throw bad('language', 'expected en or ru');
    const m = settings.autoLockMinutes;
    if (!Number.isInteger(m) || m < 1 || m > 120) throw bad('autoLockMinutes', 'expected 1 to 120 minutes');
    if (![5, 15, 30, 60].includes(settings.publishMinutes)) throw bad('publishMinutes', 'expected 5, 15, 30 or 60');
    this.settings = { ...settings };
    return { ...this.settings };
  }

  async casesQuery(q: CasesQuery): Promise<CasePage> {
    this.record('cases_query', clone(q));
    this.requireUnlocked();
    if (q.limit < 1 || q.limit > 500) throw bad('limit', 'expected 1 to 500');
    if (q.offset < 0) throw bad('offset', 'expected 0 or more');
    const f = q.filter;
    const week = addDays(this.today, 7);
    let rows = [...this.cases.values()]
      .filter((c) => !f.stage || c.stage === f.stage)
      .filter((c) => !f.country || c.country === f.country)
      .filter((c) => !f.riskLevel || c.risk_level === f.riskLevel)
      .filter((c) => {
        if (!f.due) return true;
        const limit = f.due === 'overdue' ? this.today : week;
        return c.tasks.some((t) => !t.done && t.due !== null && (f.due === 'overdue' ? t.due < limit : t.due <= limit));
      })
      .map(summary);
    // Every word of the query must appear in a name, in any script: "yuri zhuk" finds "Юрий Жуков".
    const needle = foldName(q.query.trim());
    const words = needle.split(/\s+/).filter(Boolean);
    if (needle) {
      rows = rows.filter((r) => {
        const c = this.cases.get(r.id) as CaseFile;
        const hay = [c.full_name, c.full_name_latin ?? '', ...c.aliases].map(foldName).join(' ');
        return words.every((w) => hay.includes(w));
      });
    }
    rows.sort(this.comparator(q.sort));
    if (needle) {
      const best = rows.slice(0, q.limit);
      return { total: best.length, rows: best };
    }
    return { total: rows.length, rows: rows.slice(q.offset, q.offset + q.limit) };
  }

  async caseGet(id: string): Promise<CaseFile> {
    this.record('case_get', { id });
    return clone(this.getCase(id));
  }

  async caseCreate(input: CaseInput): Promise<{ id: string }> {
    this.record('case_create', { input: clone(input) });
    this.requireUnlocked();
    if (!('full_name' in input)) throw bad('full_name', 'it is required');
    const fields = this.validate(input as unknown as Record<string, unknown>, ['notes']);
    if (!fields.full_name) throw bad('full_name', 'it is required and cannot be empty');
    const notes = list('notes', input.notes).map((n) => text('notes', n, 20000)).filter((n): n is string => !!n);
    const id = this.put({ ...(fields as Partial<CaseFields>), full_name: fields.full_name as string });
    const c = this.cases.get(id) as CaseFile;
    if (!c.stage) c.stage = 'first_contact';
    for (const body of notes) c.notes.unshift(this.note(body));
    this.unsent++;
    return { id };
  }

  async caseUpdate(id: string, input: CaseUpdate): Promise<void> {
    this.record('case_update', { id, input: clone(input) });
    const c = this.getCase(id);
    const fields = this.validate(input as Record<string, unknown>, []);
    if ('full_name' in fields && !fields.full_name) throw bad('full_name', 'it is required and cannot be empty');
    for (const [k, v] of Object.entries(fields)) {
      const empty = v === null || (Array.isArray(v) && v.length === 0);
      (c as unknown as Record<string, unknown>)[k] = empty
        ? (Array.isArray((EMPTY_FIELDS as Record<string, unknown>)[k]) ? [] : k === 'stage' ? 'first_contact' : null)
        : v;
    }
    c.updated_at = this.now();
    this.unsent++;
  }

  async caseDelete(id: string): Promise<void> {
    this.record('case_delete', { id });
    this.getCase(id);
    this.cases.delete(id);
    this.unsent++;
  }

  async noteAdd(caseId: string, body: string): Promise<{ id: string }> {
    this.record('note_add', { caseId, text: body });
    const c = this.getCase(caseId);
    const t = text('text', body, 20000);
    if (t === null) throw bad('text', 'a note cannot be empty');
    const note = this.note(t);
    c.notes.unshift(note);
    this.unsent++;
    c.updated_at = this.now();
    return { id: note.id };
  }

  async taskAdd(caseId: string, title: string, due: string | null): Promise<{ id: string }> {
    this.record('task_add', { caseId, title, due });
    const c = this.getCase(caseId);
    const t = text('title', title, 500);
    if (t === null) throw bad('title', 'a task needs a title');
    const d = date('due', due);
    const id = this.newId('task');
    c.tasks.push({ id, title: t, due: d, done: false });
    this.unsent++;
    c.updated_at = this.now();
    return { id };
  }

  async taskSetDone(taskId: string, done: boolean): Promise<void> {
    this.record('task_set_done', { taskId, done });
    this.requireUnlocked();
    for (const c of this.cases.values()) {
      const task = c.tasks.find((t) => t.id === taskId);
      if (task) {
        task.done = done;
        this.unsent++;
        c.updated_at = this.now();
        return;
      }
    }
    throw new IpcError('not_found', 'no such task');
  }

  async eventAdd(caseId: string, eventDate: string, kind: string, body: string): Promise<{ id: string }> {
    this.record('event_add', { caseId, date: eventDate, kind, text: body });
    const c = this.getCase(caseId);
    const d = date('date', eventDate);
    if (d === null) throw bad('date', 'an event needs a date');
    const k = code('kind', kind, EVENT_KINDS);
    if (k === null) throw bad('kind', 'an event needs a kind');
    const id = this.newId('event');
    c.events.push({ id, date: d, kind: k, text: text('text', body, 2000) });
    this.unsent++;
    c.updated_at = this.now();
    return { id };
  }

  async syncOverview(): Promise<SyncOverview> {
    this.record('sync_overview');
    this.requireUnlocked();
    const share = this.share;
    if (!share) return this.conflicts.length ? { attached: false, conflicts: clone(this.conflicts) } : { attached: false };
    const me: SyncDevice = {
      device: FAKE_DEVICE_ID,
      label: share.label,
      this_device: true,
      seq: share.seq,
      share_seq: share.reachable ? share.seq : null,
      last_heard: null,
      last_written: null,
      gap: null,
      reads: 2,
    };
    const peers = share.peers.map((p) => (share.reachable ? { ...p } : { ...p, share_seq: null, gap: null }));
    return {
      attached: true,
      status: {
        group_id: '5f0e3c2a9b8d7c6e5f4a3b2c1d0e9f8a',
        path: share.path,
        reachable: share.reachable,
        unreachable_reason: share.reachable ? null : `the share ${share.path} cannot be used: the folder cannot be opened`,
        devices: [me, ...peers],
        alarms: clone(share.alarms),
        quarantine: clone(share.quarantine),
        conflicts: this.conflicts.length,
      },
      conflicts: clone(this.conflicts),
    };
  }

  async syncCreate(path: string, label: string): Promise<SyncAttachment> {
    this.record('sync_create', { path, label });
    this.requireUnlocked();
    const dir = sharePath(path);
    const l = deviceLabel(label);
    if (this.share) throw new IpcError('bad_input', 'this vault already syncs with a share', 'share');
    this.share = { path: dir, label: l, reachable: true, seq: 0, peers: [], alarms: [], quarantine: [] };
    return { group_id: '5f0e3c2a9b8d7c6e5f4a3b2c1d0e9f8a', path: dir, device_id: FAKE_DEVICE_ID };
  }

  async syncJoin(path: string, invite: string, passphrase: string, label: string): Promise<SyncAttachment> {
    this.record('sync_join', { path, invite, passphrase, label });
    this.requireUnlocked();
    const dir = sharePath(path);
    const l = deviceLabel(label);
    if (!invite.trim()) throw bad('invite', 'paste the invite text');
    if (!passphrase) throw bad('passphrase', 'enter the passphrase');
    if (this.share) throw new IpcError('bad_input', 'this vault already syncs with a share', 'share');
    if (!invite.trim().toUpperCase().startsWith('CASEBOOK-INVITE-1:')) throw bad('invite', 'an invite starts with CASEBOOK-INVITE-1:');
    await sleep(this.kdfDelayMs);
    if (passphrase.trim() !== FAKE_INVITE_PASSPHRASE) throw new IpcError('wrong_key', 'wrong passphrase or recovery key');
    this.share = { path: dir, label: l, reachable: true, seq: 0, peers: [], alarms: [], quarantine: [] };
    this.addPeer({ device: '0c1d2e3f405162738495a6b7c8d9eaf1', label: 'Inviter', last_heard: `${this.today}T09:00:00.000Z` });
    return { group_id: '5f0e3c2a9b8d7c6e5f4a3b2c1d0e9f8a', path: dir, device_id: FAKE_DEVICE_ID };
  }

  async syncInvite(): Promise<SyncInvite> {
    this.record('sync_invite');
    this.requireUnlocked();
    this.requireShare();
    await sleep(this.kdfDelayMs);
    return { invite: FAKE_INVITE, passphrase: FAKE_INVITE_PASSPHRASE };
  }

  async syncNow(): Promise<SyncReport> {
    this.record('sync_now');
    this.requireUnlocked();
    const share = this.requireShare();
    if (!share.reachable) {
      throw new IpcError('share_unreachable', `the share ${share.path} cannot be used: the folder cannot be opened`);
    }
    await sleep(this.syncDelayMs);
    const sent = this.unsent;
    this.unsent = 0;
    if (sent > 0) share.seq++;
    const extra = this.extraReport ?? {};
    this.extraReport = null;
    share.alarms.push(...(extra.alarms ?? []));
    share.quarantine.push(...(extra.quarantined ?? []));
    const received = extra.received ?? [];
    return {
      sent_deltas: sent > 0 ? 1 : 0,
      sent_changes: sent,
      republished: 0,
      received,
      received_changes: received.reduce((n, r) => n + r.changes, 0),
      conflicts: this.conflicts.length,
      new_conflicts: 0,
      problems: [],
      waiting: [],
      alarms: [],
      quarantined: [],
      ...extra,
    };
  }

  async conflictResolve(id: string, keep: number): Promise<void> {
    this.record('conflict_resolve', { id, keep });
    this.requireUnlocked();
    const at = this.conflicts.findIndex((c) => c.id === id);
    if (at < 0) throw new IpcError('not_found', 'no conflict with this id');
    const conflict = this.conflicts[at];
    if (!Number.isInteger(keep) || keep < 1 || keep > conflict.values.length) throw bad('keep', 'no such value');
    this.conflicts.splice(at, 1);
    this.unsent++;
  }

  async syncDismissAlarm(device: string, seq: number, kind: string): Promise<void> {
    this.record('sync_dismiss_alarm', { device, seq, kind });
    this.requireUnlocked();
    const share = this.requireShare();
    const at = share.alarms.findIndex((a) => a.device === device && a.seq === seq && a.kind === kind);
    if (at < 0) throw new IpcError('not_found', 'no open alarm like this');
    share.alarms.splice(at, 1);
  }

  async syncAcceptQuarantine(device: string): Promise<SyncQuarantine> {
    this.record('sync_accept_quarantine', { device });
    this.requireUnlocked();
    const q = this.requireShare().quarantine.find((x) => x.device === device);
    if (!q) throw new IpcError('not_found', 'no quarantine of this device');
    if (q.accepted_at) throw bad('quarantine', 'its changes were accepted already');
    q.accepted_at = `${this.today}T12:00:00.000Z`;
    this.unsent += q.changes;
    return clone(q);
  }

  async identityShow(): Promise<{ publicKey: string }> {
    this.record('identity_show');
    this.requireUnlocked();
    return { publicKey: FAKE_PUBLIC_KEY };
  }

  async exportRun(request: ExportRequest): Promise<ExportSummary> {
    this.record('export_run', clone(request));
    this.requireUnlocked();
    const { selection, profile, recipients, passphrase } = request;
    if (!['full', 'no-identity', 'summary'].includes(profile)) throw bad('profile', 'expected full, no-identity or summary');
    if ((recipients === undefined) === (passphrase === undefined)) {
      throw bad('recipients', 'give either recipients or a passphrase');
    }
    if (recipients !== undefined) {
      if (recipients.length === 0) throw bad('recipients', 'give at least one recipient');
      for (const r of recipients) {
        if (!/^age1[qpzry9x8gf2tvdw0s3jn54khce6mua7l]{58}$/.test(r)) throw bad('recipients', `${r.slice(0, 20)} is not an age public key`);
      }
    }
    if (passphrase !== undefined && [...passphrase].length < 8) throw bad('passphrase', 'use at least 8 characters');
    const path = filePath(request.path);
    if (this.files.has(path)) throw bad('path', `${path} already exists; Casebook never overwrites a file`);
    let chosen = [...this.cases.values()];
    switch (selection.kind) {
      case 'all':
        break;
      case 'stage':
        chosen = chosen.filter((c) => c.stage === selection.stage);
        break;
      case 'country':
        chosen = chosen.filter((c) => c.country === selection.country);
        break;
      case 'ids':
        for (const id of selection.ids) if (!this.cases.has(id)) throw new IpcError('not_found', `no case ${id}`);
        chosen = selection.ids.map((id) => this.cases.get(id) as CaseFile);
        break;
      default:
        throw bad('selection', 'unknown selection');
    }
    await sleep(this.exportDelayMs);
    const bundle: FakeBundle = {
      profile,
      vault_id: FAKE_VAULT_ID,
      exported_at: `${this.today}T12:00:00.000Z`,
      cases: clone(chosen),
      ...(recipients ? { recipients: [...recipients] } : { passphrase }),
    };
    bundle.bytes = 600 + JSON.stringify(bundle.cases).length;
    this.files.set(path, bundle);
    return {
      cases: chosen.length,
      notes: profile === 'full' ? chosen.reduce((n, c) => n + c.notes.length, 0) : 0,
      tasks: profile === 'summary' ? 0 : chosen.reduce((n, c) => n + c.tasks.length, 0),
      events: profile === 'summary' ? 0 : chosen.reduce((n, c) => n + c.events.length, 0),
      bytes: bundle.bytes,
      profile,
    };
  }

  async importPreview(path: string, passphrase?: string): Promise<ImportPlan> {
    this.record('import_preview', passphrase === undefined ? { path } : { path, passphrase });
    const bundle = await this.readBundle(path, passphrase);
    const cases: ImportPlanCase[] = bundle.cases.map((c) => ({ id: c.id, name: c.full_name, action: this.actionFor(c) }));
    const count = (a: string) => cases.filter((c) => c.action === a).length;
    return {
      profile: bundle.profile,
      exported_at: bundle.exported_at,
      vault_id: bundle.vault_id,
      create: count('create'),
      update: count('update'),
      unchanged: count('unchanged'),
      notes: bundle.cases.reduce((n, c) => n + c.notes.length, 0),
      tasks: bundle.cases.reduce((n, c) => n + c.tasks.length, 0),
      events: bundle.cases.reduce((n, c) => n + c.events.length, 0),
      cases,
    };
  }

  async importApply(path: string, passphrase?: string): Promise<ImportReport> {
    this.record('import_apply', passphrase === undefined ? { path } : { path, passphrase });
    const bundle = await this.readBundle(path, passphrase);
    const report: ImportReport = { created: 0, updated: 0, unchanged: 0, conflicts: this.nextImportConflicts };
    this.nextImportConflicts = 0;
    for (const c of bundle.cases) {
      const action = this.actionFor(c);
      if (action === 'create') report.created++;
      else if (action === 'update') report.updated++;
      else report.unchanged++;
      if (action !== 'unchanged') {
        this.cases.set(c.id, clone(c));
        this.unsent++;
      }
    }
    return report;
  }

  async onVaultLocked(cb: (reason: LockReason) => void): Promise<() => void> {
    this.listeners.add(cb);
    return () => this.listeners.delete(cb);
  }

  async onSyncFinished(cb: (event: SyncFinished) => void): Promise<() => void> {
    this.syncListeners.add(cb);
    return () => this.syncListeners.delete(cb);
  }

  // ---- internals ------------------------------------------------------------------------

  private record(command: string, args: unknown = null): void {
    this.calls.push({ command, args });
    this.takeFailure(command);
  }

  private takeFailure(command: string): void {
    const queue = this.failures.get(command);
    const failure = queue?.shift();
    if (failure) throw failure;
  }

  private async readBundle(path: string, passphrase: string | undefined): Promise<FakeBundle> {
    this.requireUnlocked();
    const full = filePath(path);
    const bundle = this.files.get(full);
    if (!bundle) throw bad('path', `cannot open ${full}: No such file or directory (os error 2)`);
    if ((bundle.bytes ?? 0) > MAX_BUNDLE_BYTES) throw bad('path', `${full} is larger than 300 MiB`);
    await sleep(this.exportDelayMs);
    if (bundle.broken) throw bad('bundle', bundle.broken);
    if (bundle.passphrase !== undefined) {
      if (passphrase === undefined) throw bad('passphrase', 'this bundle is protected by a passphrase');
      if (passphrase !== bundle.passphrase) throw new IpcError('wrong_key', 'wrong passphrase or recovery key');
    } else if (!bundle.recipients?.includes(FAKE_PUBLIC_KEY)) {
      throw bad('bundle', "this bundle was not encrypted to this vault's key");
    }
    return bundle;
  }

  private actionFor(c: CaseFile): 'create' | 'update' | 'unchanged' {
    const mine = this.cases.get(c.id);
    if (!mine) return 'create';
    return canonical(mine) === canonical(c) ? 'unchanged' : 'update';
  }

  private requireShare(): FakeShare {
    if (!this.share) throw new IpcError('bad_input', 'this vault is not attached to a share');
    return this.share;
  }

  private requireUnlocked(): void {
    if (!this.unlocked) throw new IpcError('locked', 'the vault is locked');
  }

  private getCase(id: string): CaseFile {
    this.requireUnlocked();
    const c = this.cases.get(id);
    if (!c) throw new IpcError('not_found', 'no such case');
    return c;
  }

  private validate(input: Record<string, unknown>, extra: string[]): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(input)) {
      if (extra.includes(k)) continue;
      out[k] = fieldValue(k, v);
    }
    return out;
  }

  private comparator(sort: CasesQuery['sort']): (a: CaseSummary, b: CaseSummary) => number {
    const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
    switch (sort) {
      case 'name':
        return (a, b) => NAME_ORDER.compare(a.full_name, b.full_name);
      case 'next_due':
        return (a, b) => cmp(a.next_due ?? '9999', b.next_due ?? '9999') || NAME_ORDER.compare(a.full_name, b.full_name);
      case 'risk':
        return (a, b) => riskRank(b.risk_level) - riskRank(a.risk_level) || cmp(b.updated_at, a.updated_at);
      case 'updated':
      default:
        return (a, b) => cmp(b.updated_at, a.updated_at) || cmp(b.id, a.id);
    }
  }

  private note(body: string) {
    return { id: this.newId('note'), body, created_at: this.now(), author_device: 'a1b2c3' };
  }

  private newId(kind: string): string {
    return `${kind}-${String(this.nextId++).padStart(6, '0')}`;
  }

  /** A clock that moves one second per write, so "updated" order is deterministic. */
  private now(): string {
    const base = Date.UTC(Number(this.today.slice(0, 4)), Number(this.today.slice(5, 7)) - 1, Number(this.today.slice(8, 10)), 9);
    return new Date(base + this.tick++ * 1000).toISOString();
  }
}

export function createFakeBackend(opts: FakeOptions = {}): FakeBackend {
  return new FakeBackend(opts);
}
