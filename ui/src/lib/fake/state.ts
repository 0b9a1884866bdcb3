/**
 * The fake backend's state and the helpers every domain of it uses (`ui/src/lib/fakeBackend.ts`
 * puts the domains together): the vault, its cases, the share, the bundle "files", the calls
 * made and the failures a test asked for.
 */
import type { CaseFile, Conflict, ErrorCode, ExportProfile, LockReason, Partner, Settings, SyncAlarm, SyncDevice, SyncFinished, SyncQuarantine, SyncReport } from '../types';
import { IpcError } from '../types';
import { clone, EMPTY_FIELDS, LIMITS } from './input';

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
/** This fake vault's bundle-signing key (`identity_show`). */
export const FAKE_SIGNING_KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOpKbGPinFIKvvVQexMuxfmVR3auvr57kkIe6mkURtIs';
/** Another vault's id, as bundles made elsewhere carry it. */
export const FAKE_OTHER_VAULT = '0193a5c2-7d41-7c3e-9a55-2f1e0d9c8b7a';
export const FAKE_VAULT_ID = '0193a5c2-0000-7000-8000-a1b2c3d4e5f6';
/** The shell refuses to read bundles larger than this. */
export const MAX_BUNDLE_BYTES = LIMITS.max_bundle_bytes;

/** A bundle "file" of the fake: what `export_run` wrote (or a test put there). */
export interface FakeBundle {
  profile: ExportProfile;
  vault_id: string;
  exported_at: string;
  cases: CaseFile[];
  recipients?: string[];
  passphrase?: string;
  /** Who signed it (default `partner`, a key confirmed here, as `signed_by` names it). */
  signer?: 'own' | 'partner' | 'unknown' | 'unsigned';
  signed_by?: string;
  /** The partner it was made for (the signed manifest's `partner`). */
  made_for?: string;
  /** A broken or hostile file: reading it fails with `bad_input` and this message. */
  broken?: string;
  /** Size in bytes (default: from the content). */
  bytes?: number;
}

/** The one-time passphrase of the fake's invites (and the one `sync_join` accepts). */
export const FAKE_INVITE_PASSPHRASE = 'tobako-rimesu-dazuno-feviha';
export const FAKE_INVITE =
  'CASEBOOK-INVITE-2:0M2BQ7H8V4K9D3X6Z1T5N8R2W7C4Y9F3J6P0G5S8A1E4M7Q2B6H9V3K0D8X5Z2T7N4R1W6C9Y3F8J5P2G7S4A0E6M1Q9B3';
/** The code a fake joiner reads out, and the recovery key a fake group is made with. */
export const FAKE_JOIN_CODE = '123456-654321-112233-445566';
export const FAKE_GROUP_RECOVERY_KEY = 'CBGR-ABCD-EFGH-JKMN-PQRS-TVWX-YZ01-2345-6789-ABCD-EFGH-JKMN-PQRS-TV';
export const FAKE_DEVICE_ID = 'a1b2c3d4e5f60718293a4b5c6d7e8f90';

export interface FakeShare {
  path: string;
  label: string;
  reachable: boolean;
  /** Updates this device has written. */
  seq: number;
  peers: SyncDevice[];
  alarms: SyncAlarm[];
  quarantine: SyncQuarantine[];
  /** This device in the group's roster: `pending` until approved; absent in a group made by an
   *  older Casebook (no roster), until it is upgraded. */
  state?: 'pending' | 'member' | 'revoked';
  role?: 'coordinator' | 'member';
  /** Who approved this device (shown to the joiner once it is a member). */
  approvedBy?: string;
  /** Join requests waiting for this device's answer (and the code each one's person reads out). */
  requests: { device: string; label: string; arrived_at: string; code: string }[];
}

export interface Call {
  command: string;
  args: unknown;
}

export class FakeState {
  /** Every command called, in order, with its arguments. */
  readonly calls: Call[] = [];
  passphrase: string;
  exists: boolean;
  unlocked: boolean;
  settings: Settings;
  readonly path: string;
  readonly recoveryKey: string;
  readonly kdfDelayMs: number;
  readonly today: string;
  readonly cases = new Map<string, CaseFile>();
  readonly listeners = new Set<(r: LockReason) => void>();
  readonly syncListeners = new Set<(e: SyncFinished) => void>();
  readonly failures = new Map<string, IpcError[]>();
  private nextId = 1;
  private tick = 0;
  readonly networkDrive: string | null;
  share: FakeShare | null = null;
  /** Changes made since the last sync (what the next `sync_now` sends). */
  unsent = 0;
  extraReport: Partial<SyncReport> | null = null;
  readonly syncDelayMs: number;
  readonly exportDelayMs: number;
  /** Open conflicts (from sync or import): they are the vault's, shown with or without a share. */
  readonly conflicts: Conflict[] = [];
  /** Bundle files by full path. */
  readonly files = new Map<string, FakeBundle>();
  /** The partner contact book, by name. */
  readonly partners = new Map<string, Partner>();
  nextImportConflicts = 0;

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

  /** Records a call, and throws the failure a test queued for it (`failNext`). */
  record(command: string, args: unknown = null): void {
    this.calls.push({ command, args });
    const failure = this.failures.get(command)?.shift();
    if (failure) throw failure;
  }

  /** Makes the next call of `command` reject with the given error. */
  failNext(command: string, code: ErrorCode, field?: string, message = 'injected failure'): void {
    const queue = this.failures.get(command) ?? [];
    queue.push(new IpcError(code, message, field));
    this.failures.set(command, queue);
  }

  requireShare(): FakeShare {
    if (!this.share) throw new IpcError('bad_input', 'this vault is not attached to a share');
    return this.share;
  }

  requireUnlocked(): void {
    if (!this.unlocked) throw new IpcError('locked', 'the vault is locked');
  }

  getCase(id: string): CaseFile {
    this.requireUnlocked();
    const c = this.cases.get(id);
    if (!c) throw new IpcError('not_found', 'no such case');
    return c;
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
      role: 'member',
      state: 'member',
      ...device,
    });
  }

  note(body: string) {
    return { id: this.newId('note'), body, created_at: this.now(), author_device: 'a1b2c3' };
  }

  newId(kind: string): string {
    return `${kind}-${String(this.nextId++).padStart(6, '0')}`;
  }

  /** A clock that moves one second per write, so "updated" order is deterministic. */
  now(): string {
    const base = Date.UTC(Number(this.today.slice(0, 4)), Number(this.today.slice(5, 7)) - 1, Number(this.today.slice(8, 10)), 9);
    return new Date(base + this.tick++ * 1000).toISOString();
  }
}
