/**
 * Sync through a share: whether the vault is attached, its status and conflicts, the last
 * "Sync now" report, a freshly made invite, the group's recovery key right after it was made,
 * the join requests waiting for this device, and the names of the cases that have conflicts.
 * Every action reloads the overview afterwards, so the screen shows what the vault holds.
 * Lock clears all of it (conflict values are case data; the invite and the recovery key are
 * secrets).
 */
import type { Backend } from '../ipc';
import {
  toIpcError,
  type IpcError,
  type SyncAlarm,
  type SyncFinished,
  type SyncInvite,
  type SyncJoinRequest,
  type SyncOverview,
  type SyncQuarantine,
  type SyncReport,
} from '../types';

/** Case names looked up for the conflict list: at most this many cases. */
const MAX_NAMED_CASES = 50;

export class SyncState {
  overview = $state.raw<SyncOverview | null>(null);
  loading = $state(false);
  error = $state.raw<IpcError | null>(null);

  /** Create or join running (join runs the KDF: a few seconds). */
  attaching = $state(false);
  /** Set after create/join, until the first sync. */
  justAttached = $state<'created' | 'joined' | 'upgraded' | null>(null);

  syncing = $state(false);
  report = $state.raw<SyncReport | null>(null);
  syncError = $state.raw<IpcError | null>(null);
  /** When the last sync this session saw finished, and whether it ran by itself. */
  lastRun = $state.raw<{ at: Date; automatic: boolean } | null>(null);

  inviting = $state(false);
  invite = $state.raw<SyncInvite | null>(null);
  inviteError = $state.raw<IpcError | null>(null);

  /** The conflict being resolved, and the error of the last attempt. */
  resolving = $state<string | null>(null);
  resolveError = $state.raw<{ id: string; error: IpcError } | null>(null);

  /** The quarantined device whose changes are being accepted, and the last attempt's error. */
  accepting = $state<string | null>(null);
  acceptError = $state.raw<{ device: string; error: IpcError } | null>(null);

  /** After creating a group: its recovery key, on screen until the person says it is on paper. */
  recoveryKey = $state<string | null>(null);
  /** Join requests waiting for this device's answer (coordinators). */
  requests = $state.raw<SyncJoinRequest[]>([]);
  /** The device whose request or revocation is being answered, and what went wrong. */
  answering = $state<string | null>(null);
  answerError = $state.raw<{ device: string; error: IpcError } | null>(null);

  /** Case id → full name, for the conflict list (missing: not found or not loaded yet). */
  caseNames = $state.raw<Record<string, string>>({});

  private generation = 0;
  private readonly backend: Backend;
  private readonly onError: (e: IpcError) => void;

  constructor(backend: Backend, onError: (e: IpcError) => void = () => {}) {
    this.backend = backend;
    this.onError = onError;
  }

  get attached(): boolean {
    return this.overview?.attached === true;
  }

  /** What waits for a person: open conflicts and alarms (the navigation shows the count). */
  get attention(): number {
    const o = this.overview;
    if (!o) return 0;
    const conflicts = o.conflicts?.length ?? 0;
    return o.attached ? conflicts + o.status.alarms.length : conflicts;
  }

  /** An automatic sync finished (the shell's `sync-finished` event). */
  async autoFinished(event: SyncFinished): Promise<void> {
    if (this.syncing) return; // "Sync now" is running: its own report comes
    this.lastRun = { at: new Date(), automatic: true };
    if (event.report) {
      this.report = event.report;
      this.syncError = null;
      this.justAttached = null;
    } else if (event.error) {
      this.syncError = event.error;
    }
    await this.load();
  }

  async load(): Promise<void> {
    const generation = this.generation;
    this.loading = true;
    this.error = null;
    try {
      const overview = await this.backend.syncOverview();
      if (generation !== this.generation) return;
      this.overview = overview;
      void this.nameCases(generation);
      void this.loadRequests(generation);
    } catch (e) {
      if (generation === this.generation) this.error = this.fail(e);
    } finally {
      if (generation === this.generation) this.loading = false;
    }
  }

  /** Returns the error for the form to show, or null once the vault is attached. */
  async create(path: string, label: string): Promise<IpcError | null> {
    return this.attach('created', async () => {
      const made = await this.backend.syncCreate(path, label);
      this.recoveryKey = made.recovery_key ?? null;
    });
  }

  /** Upgrades a group made by an older Casebook (this device becomes its first coordinator);
   *  the new recovery key is then on screen. Returns the error to show, or null. */
  async upgrade(): Promise<IpcError | null> {
    return this.attach('upgraded', async () => {
      const made = await this.backend.syncUpgrade();
      this.recoveryKey = made.recovery_key ?? null;
    });
  }

  /** The person has written the recovery key down: it leaves the screen for good. */
  recoveryKeyKept(): void {
    this.recoveryKey = null;
  }

  /** Approves a join request with the code its person read out; null once done. */
  async approve(device: string, code: string): Promise<IpcError | null> {
    return this.answer(device, () => this.backend.syncApprove(device, code));
  }

  async decline(device: string): Promise<IpcError | null> {
    return this.answer(device, () => this.backend.syncDecline(device));
  }

  async revoke(device: string, reason: string): Promise<IpcError | null> {
    return this.answer(device, () => this.backend.syncRevoke(device, reason));
  }

  private async answer(device: string, run: () => Promise<void>): Promise<IpcError | null> {
    if (this.answering) return null;
    const generation = this.generation;
    this.answering = device;
    this.answerError = null;
    try {
      await run();
      if (generation === this.generation) await this.load();
      return null;
    } catch (e) {
      if (generation !== this.generation) return null;
      const error = this.fail(e);
      this.answerError = { device, error };
      return error;
    } finally {
      if (generation === this.generation) this.answering = null;
    }
  }

  async join(path: string, invite: string, passphrase: string, label: string): Promise<IpcError | null> {
    return this.attach('joined', () => this.backend.syncJoin(path, invite, passphrase, label));
  }

  async syncNow(): Promise<void> {
    if (this.syncing) return;
    const generation = this.generation;
    this.syncing = true;
    this.syncError = null;
    this.report = null;
    try {
      const report = await this.backend.syncNow();
      if (generation !== this.generation) return;
      this.report = report;
      this.lastRun = { at: new Date(), automatic: false };
      this.justAttached = null;
    } catch (e) {
      if (generation === this.generation) this.syncError = this.fail(e);
    } finally {
      if (generation === this.generation) this.syncing = false;
    }
    if (generation === this.generation) await this.load();
  }

  async makeInvite(): Promise<void> {
    if (this.inviting) return;
    const generation = this.generation;
    this.inviting = true;
    this.inviteError = null;
    this.invite = null;
    try {
      const invite = await this.backend.syncInvite();
      if (generation === this.generation) this.invite = invite;
    } catch (e) {
      if (generation === this.generation) this.inviteError = this.fail(e);
    } finally {
      if (generation === this.generation) this.inviting = false;
    }
  }

  /** Takes the invite off the screen once it has been passed on. */
  hideInvite(): void {
    this.invite = null;
  }

  async resolve(id: string, keep: number): Promise<void> {
    if (this.resolving) return;
    const generation = this.generation;
    this.resolving = id;
    this.resolveError = null;
    try {
      await this.backend.conflictResolve(id, keep);
    } catch (e) {
      if (generation === this.generation) this.resolveError = { id, error: this.fail(e) };
    } finally {
      if (generation === this.generation) this.resolving = null;
    }
    if (generation === this.generation) await this.load();
  }

  /** Closes an alarm the caseworker has dealt with, then shows the vault's state again. */
  async dismiss(alarm: SyncAlarm): Promise<void> {
    const generation = this.generation;
    try {
      await this.backend.syncDismissAlarm(alarm.device, alarm.seq, alarm.kind);
    } catch (e) {
      if (generation === this.generation) this.syncError = this.fail(e);
    }
    if (generation === this.generation) await this.load();
  }

  /** Writes what a quarantine took back again as this computer's own changes, then shows the
   * vault's state again (the changes go out at the next sync). */
  async acceptQuarantine(q: SyncQuarantine): Promise<void> {
    if (this.accepting) return;
    const generation = this.generation;
    this.accepting = q.device;
    this.acceptError = null;
    try {
      await this.backend.syncAcceptQuarantine(q.device);
    } catch (e) {
      if (generation === this.generation) this.acceptError = { device: q.device, error: this.fail(e) };
    } finally {
      if (generation === this.generation) this.accepting = null;
    }
    if (generation === this.generation) await this.load();
  }

  /** Runs `f` at the next lock (a copied invite leaves the clipboard then). */
  onClear(f: () => void): void {
    this.atClear.push(f);
  }
  private atClear: (() => void)[] = [];

  /** Forgets everything (on lock); answers still on their way are dropped. */
  clear(): void {
    for (const f of this.atClear.splice(0)) f();
    this.generation++;
    this.overview = null;
    this.loading = false;
    this.error = null;
    this.attaching = false;
    this.justAttached = null;
    this.syncing = false;
    this.report = null;
    this.syncError = null;
    this.lastRun = null;
    this.inviting = false;
    this.invite = null;
    this.inviteError = null;
    this.resolving = null;
    this.accepting = null;
    this.acceptError = null;
    this.resolveError = null;
    this.caseNames = {};
    this.recoveryKey = null;
    this.requests = [];
    this.answering = null;
    this.answerError = null;
  }

  private async attach(kind: 'created' | 'joined' | 'upgraded', run: () => Promise<unknown>): Promise<IpcError | null> {
    if (this.attaching) return null;
    const generation = this.generation;
    this.attaching = true;
    try {
      await run();
      if (generation !== this.generation) return null;
      this.justAttached = kind;
      this.report = null;
      await this.load();
      return null;
    } catch (e) {
      return generation === this.generation ? this.fail(e) : null;
    } finally {
      if (generation === this.generation) this.attaching = false;
    }
  }

  /** Join requests, when this device is a coordinator of a group with a roster. */
  private async loadRequests(generation: number): Promise<void> {
    const me = this.overview?.attached ? this.overview.status.devices.find((d) => d.this_device) : undefined;
    if (me?.role !== 'coordinator' || me.state !== 'member') {
      this.requests = [];
      return;
    }
    try {
      const requests = await this.backend.syncRequests();
      if (generation === this.generation) this.requests = requests;
    } catch {
      // The overview shows the share's trouble already; the list stays as it was.
    }
  }

  private async nameCases(generation: number): Promise<void> {
    const conflicts = this.overview?.conflicts ?? [];
    const ids = [...new Set(conflicts.map((c) => c.case_id))]
      .filter((id) => !(id in this.caseNames))
      .slice(0, MAX_NAMED_CASES);
    if (ids.length === 0) return;
    const found: Record<string, string> = {};
    for (const id of ids) {
      try {
        found[id] = (await this.backend.caseGet(id)).full_name;
      } catch {
        // A deleted case (or one not synced yet): the list shows its id.
      }
      if (generation !== this.generation) return;
    }
    this.caseNames = { ...this.caseNames, ...found };
  }

  private fail(e: unknown): IpcError {
    const err = toIpcError(e);
    this.onError(err);
    return err;
  }
}
