/**
 * The vault session: which screen the vault allows (create, unlock, recovery key, open),
 * the busy state while the KDF runs, locking (by the user or the shell), and activity reports
 * for auto-lock. Locking calls `clearCaseData` first, so no case data outlives the session.
 */
import type { Backend } from '../ipc';
import { IpcError, toIpcError, type LockReason } from '../types';

export type Phase =
  | 'starting' // vault_status not answered yet
  | 'failed' // vault_status failed: show the error and a retry
  | 'create' // first run: no vault yet
  | 'recovery' // vault created: the recovery key is on screen until confirmed
  | 'locked'
  | 'unlocked';

/** Why the unlock screen is shown: the shell's reasons, or `expired` when a command said `locked`. */
export type LockCause = LockReason | 'expired';

/** At most one `session_touch` per this many milliseconds. */
export const TOUCH_INTERVAL_MS = 15_000;

export class Session {
  phase = $state<Phase>('starting');
  busy = $state(false);
  error = $state.raw<IpcError | null>(null);
  vaultPath = $state('');
  /** The vault folder is on a network drive: Settings warns. */
  vaultOnNetwork = $state(false);
  lockCause = $state<LockCause | null>(null);
  recoveryKey = $state<string | null>(null);

  private lastTouch = Number.NEGATIVE_INFINITY;
  private readonly backend: Backend;
  private readonly clearCaseData: () => void;
  private readonly now: () => number;

  constructor(backend: Backend, clearCaseData: () => void, now: () => number = Date.now) {
    this.backend = backend;
    this.clearCaseData = clearCaseData;
    this.now = now;
  }

  get open(): boolean {
    return this.phase === 'unlocked';
  }

  async start(): Promise<void> {
    this.error = null;
    try {
      const status = await this.backend.vaultStatus();
      this.vaultPath = status.path;
      this.vaultOnNetwork = !!status.networkDrive;
      this.phase = !status.exists ? 'create' : status.unlocked ? 'unlocked' : 'locked';
    } catch (e) {
      this.error = toIpcError(e);
      this.phase = 'failed';
    }
  }

  async create(passphrase: string): Promise<boolean> {
    return this.run(async () => {
      const { recoveryKey } = await this.backend.vaultCreate(passphrase);
      this.recoveryKey = recoveryKey;
      this.phase = 'recovery';
    });
  }

  /** The user wrote the recovery key down: forget it and open the vault. */
  confirmRecovery(): void {
    this.recoveryKey = null;
    this.lastTouch = Number.NEGATIVE_INFINITY;
    this.phase = 'unlocked';
  }

  async unlock(passphrase: string): Promise<boolean> {
    return this.run(async () => {
      await this.backend.vaultUnlock(passphrase);
      this.lockCause = null;
      this.lastTouch = Number.NEGATIVE_INFINITY;
      this.phase = 'unlocked';
    });
  }

  /** The user locks: the UI forgets case data at once, then the shell wipes its keys. */
  async lock(): Promise<void> {
    this.forget(null);
    try {
      await this.backend.vaultLock();
    } catch (e) {
      this.error = toIpcError(e);
    }
  }

  /** The shell locked by itself (`vault-locked`), or a command answered `locked`. */
  lockedElsewhere(cause: LockCause): void {
    if (this.phase !== 'unlocked' && this.phase !== 'recovery') return;
    this.forget(cause === 'user' ? null : cause);
  }

  /** Reports activity to the shell, at most once per `TOUCH_INTERVAL_MS`. */
  touch(): void {
    if (this.phase !== 'unlocked' && this.phase !== 'recovery') return;
    const t = this.now();
    if (t - this.lastTouch < TOUCH_INTERVAL_MS) return;
    this.lastTouch = t;
    this.backend.sessionTouch().catch((e) => {
      if (toIpcError(e).code === 'locked') this.lockedElsewhere('expired');
    });
  }

  async changePassphrase(current: string, next: string): Promise<IpcError | null> {
    this.busy = true;
    try {
      await this.backend.vaultChangePassphrase(current, next);
      return null;
    } catch (e) {
      const err = toIpcError(e);
      if (err.code === 'locked') this.lockedElsewhere('expired');
      return err;
    } finally {
      this.busy = false;
    }
  }

  private forget(cause: LockCause | null): void {
    this.clearCaseData();
    this.recoveryKey = null;
    this.error = null;
    this.busy = false;
    this.lockCause = cause;
    this.phase = 'locked';
  }

  private async run(action: () => Promise<void>): Promise<boolean> {
    this.busy = true;
    this.error = null;
    try {
      await action();
      return true;
    } catch (e) {
      this.error = toIpcError(e);
      return false;
    } finally {
      this.busy = false;
    }
  }
}
