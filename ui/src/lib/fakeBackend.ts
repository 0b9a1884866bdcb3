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
  CaseInput,
  CasePage,
  CasesQuery,
  CaseUpdate,
  Conflict,
  ExportRequest,
  ExportSelection,
  Rarity,
  ExportSummary,
  ImportPlan,
  OwnKeysView,
  Partner,
  PartnerInput,
  ImportReport,
  LockReason,
  Settings,
  SyncAttachment,
  SyncFinished,
  SyncInvite,
  SyncJoinRequest,
  SyncOverview,
  SyncQuarantine,
  SyncReport,
  VaultStatus,
} from './types';
import type { IpcError } from './types';
import { CATEGORIES, RISK_LEVELS, STAGES } from './vocab';
import { addDays } from './dates';
import { clone, foldName, fullPath } from './fake/input';
import { FAKE_BACKEND_MARKER, FAKE_OTHER_VAULT, FAKE_PUBLIC_KEY, FakeState, type FakeBundle, type FakeOptions } from './fake/state';
import * as vault from './fake/vault';
import * as cases from './fake/cases';
import * as sync from './fake/sync';
import * as exchange from './fake/exchange';

export {
  FAKE_BACKEND_MARKER,
  FAKE_GROUP_RECOVERY_KEY,
  FAKE_INVITE,
  FAKE_INVITE_PASSPHRASE,
  FAKE_JOIN_CODE,
  FAKE_OTHER_VAULT,
  FAKE_PUBLIC_KEY,
  MAX_BUNDLE_BYTES,
  type Call,
  type FakeBundle,
  type FakeOptions,
} from './fake/state';

/** The fake: its state (`fake/state.ts`), the helpers tests set it up with, and one line per command of each domain (`fake/{vault,cases,sync,exchange}.ts`). */
export class FakeBackend extends FakeState implements Backend {
  readonly marker = FAKE_BACKEND_MARKER;

  // ---- test helpers -------------------------------------------------------------------

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

  /** Attaches the vault to a share as `sync_create` would (works while locked). */
  attachShare(path = '/home/volunteer/Sync/casebook', label = 'Anna laptop'): void {
    this.share = { path, label, reachable: true, seq: 0, peers: [], alarms: [], quarantine: [], state: 'member', role: 'coordinator', requests: [] };
  }

  /** Attaches the vault to the share of a group made by an older Casebook (no roster), with
   *  one other device in it. */
  attachOldGroup(path = '/home/volunteer/Sync/casebook', label = 'Anna laptop'): void {
    this.share = { path, label, reachable: true, seq: 3, peers: [], alarms: [], quarantine: [], requests: [] };
    this.addPeer({ device: 'b7c6d5e4f3a291807f6e5d4c3b2a1908', label: 'Boris laptop', seq: 2, role: undefined, state: undefined });
  }

  /** A device asks to join (its person would read out `code`). */
  addJoinRequest(device: string, label: string, code: string): void {
    const share = this.requireShare();
    share.requests.push({ device, label, arrived_at: `${this.today}T10:30:00.000Z`, code });
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

  // ---- Backend: one line per command ---------------------------------------------------

  vaultStatus = (): Promise<VaultStatus> => vault.status(this);
  vaultCreate = (passphrase: string): Promise<{ recoveryKey: string }> => vault.create(this, passphrase);
  vaultUnlock = (passphrase: string): Promise<void> => vault.unlock(this, passphrase);
  vaultLock = (): Promise<void> => vault.lock(this);
  vaultChangePassphrase = (current: string, next: string): Promise<void> => vault.changePassphrase(this, current, next);
  sessionTouch = (): Promise<void> => vault.touch(this);
  settingsGet = (): Promise<Settings> => vault.settingsGet(this);
  settingsSet = (settings: Settings): Promise<Settings> => vault.settingsSet(this, settings);

  casesQuery = (q: CasesQuery): Promise<CasePage> => cases.query(this, q);
  caseGet = (id: string): Promise<CaseFile> => cases.get(this, id);
  caseCreate = (input: CaseInput): Promise<{ id: string }> => cases.create(this, input);
  caseUpdate = (id: string, input: CaseUpdate): Promise<void> => cases.update(this, id, input);
  caseDelete = (id: string): Promise<void> => cases.remove(this, id);
  noteAdd = (caseId: string, body: string): Promise<{ id: string }> => cases.addNote(this, caseId, body);
  taskAdd = (caseId: string, title: string, due: string | null): Promise<{ id: string }> =>
    cases.addTask(this, caseId, title, due);
  taskSetDone = (taskId: string, done: boolean): Promise<void> => cases.setTaskDone(this, taskId, done);
  eventAdd = (caseId: string, date: string, kind: string, body: string): Promise<{ id: string }> =>
    cases.addEvent(this, caseId, date, kind, body);

  syncOverview = (): Promise<SyncOverview> => sync.overview(this);
  syncCreate = (path: string, label: string): Promise<SyncAttachment> => sync.create(this, path, label);
  syncJoin = (path: string, invite: string, passphrase: string, label: string): Promise<SyncAttachment> =>
    sync.join(this, path, invite, passphrase, label);
  syncInvite = (): Promise<SyncInvite> => sync.invite(this);
  syncRequests = (): Promise<SyncJoinRequest[]> => sync.requests(this);
  syncApprove = (device: string, code: string): Promise<void> => sync.approve(this, device, code);
  syncDecline = (device: string): Promise<void> => sync.decline(this, device);
  syncRevoke = (device: string, reason: string): Promise<void> => sync.revoke(this, device, reason);
  syncUpgrade = (): Promise<SyncAttachment> => sync.upgrade(this);
  syncNow = (): Promise<SyncReport> => sync.now(this);
  conflictResolve = (id: string, keep: number): Promise<void> => sync.resolveConflict(this, id, keep);
  syncDismissAlarm = (device: string, seq: number, kind: string): Promise<void> =>
    sync.dismissAlarm(this, device, seq, kind);
  syncAcceptQuarantine = (device: string): Promise<SyncQuarantine> => sync.acceptQuarantine(this, device);

  identityShow = (): Promise<OwnKeysView> => exchange.identity(this);
  partnerList = (): Promise<Partner[]> => exchange.partnerList(this);
  partnerAdd = (input: PartnerInput): Promise<Partner> => exchange.partnerAdd(this, input);
  partnerConfirm = (name: string, fingerprint: string): Promise<Partner> =>
    exchange.partnerConfirm(this, name, fingerprint);
  partnerRemove = (name: string): Promise<void> => exchange.partnerRemove(this, name);
  exportRun = (request: ExportRequest): Promise<ExportSummary> => exchange.exportRun(this, request);
  exportRarity = (selection: ExportSelection): Promise<Rarity> => exchange.exportRarity(this, selection);
  importPreview = (path: string, passphrase?: string): Promise<ImportPlan> => exchange.importPreview(this, path, passphrase);
  importApply = (path: string, passphrase?: string): Promise<ImportReport> => exchange.importApply(this, path, passphrase);

  async onVaultLocked(cb: (reason: LockReason) => void): Promise<() => void> {
    this.listeners.add(cb);
    return () => this.listeners.delete(cb);
  }

  async onSyncFinished(cb: (event: SyncFinished) => void): Promise<() => void> {
    this.syncListeners.add(cb);
    return () => this.syncListeners.delete(cb);
  }
}

export function createFakeBackend(opts: FakeOptions = {}): FakeBackend {
  return new FakeBackend(opts);
}
