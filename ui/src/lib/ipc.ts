/**
 * The only module that talks to the Tauri shell (docs/ipc.md, "casebook-ipc v1").
 *
 * `Backend` has one method per command; `tauriBackend` implements it with `invoke`, and every
 * rejection becomes an `IpcError {code, message, field?}`. Screens and stores receive a
 * `Backend`, so tests and the mock build swap in `FakeBackend` without touching Tauri.
 */
import { invoke, type InvokeArgs } from '@tauri-apps/api/core';
import { listen, type UnlistenFn } from '@tauri-apps/api/event';
import type {
  CaseFile,
  CaseInput,
  CasePage,
  CasesQuery,
  CaseUpdate,
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
  SyncQuarantine,
  SyncInvite,
  SyncJoinRequest,
  SyncOverview,
  SyncFinished,
  SyncReport,
  VaultStatus,
} from './types';
import { toIpcError } from './types';

export interface Backend {
  vaultStatus(): Promise<VaultStatus>;
  /** Creates the vault and unlocks it; the recovery key is shown once. */
  vaultCreate(passphrase: string): Promise<{ recoveryKey: string }>;
  /** Rejects with `wrong_key` on a wrong passphrase. */
  vaultUnlock(passphrase: string): Promise<void>;
  vaultLock(): Promise<void>;
  vaultChangePassphrase(current: string, next: string): Promise<void>;
  /** Reports user activity for auto-lock (the caller throttles). */
  sessionTouch(): Promise<void>;

  settingsGet(): Promise<Settings>;
  settingsSet(settings: Settings): Promise<Settings>;

  casesQuery(q: CasesQuery): Promise<CasePage>;
  caseGet(id: string): Promise<CaseFile>;
  caseCreate(input: CaseInput): Promise<{ id: string }>;
  caseUpdate(id: string, input: CaseUpdate): Promise<void>;
  caseDelete(id: string): Promise<void>;
  noteAdd(caseId: string, text: string): Promise<{ id: string }>;
  taskAdd(caseId: string, title: string, due: string | null): Promise<{ id: string }>;
  taskSetDone(taskId: string, done: boolean): Promise<void>;
  eventAdd(caseId: string, date: string, kind: string, text: string): Promise<{ id: string }>;

  /** `{ attached: false }` when the vault syncs with no share, else its status and conflicts. */
  syncOverview(): Promise<SyncOverview>;
  /** A new sync group with its share at `path` (created if missing). */
  syncCreate(path: string, label: string): Promise<SyncAttachment>;
  /** Joins the invite's group; `wrong_key` when the passphrase does not open the invite. */
  syncJoin(path: string, invite: string, passphrase: string, label: string): Promise<SyncAttachment>;
  /** A new invite and its one-time passphrase (the KDF runs: about a second). */
  syncInvite(): Promise<SyncInvite>;
  /** Join requests waiting for this device's answer. */
  syncRequests(): Promise<SyncJoinRequest[]>;
  /** Admits a device with the code its person reads out (typed here, never shown here). */
  syncApprove(device: string, code: string): Promise<void>;
  syncDecline(device: string): Promise<void>;
  /** Removes a device from the group; every other member gets a new key. */
  syncRevoke(device: string, reason: string): Promise<void>;
  /** Moves a group made by an older Casebook to one with a roster, run by this device; the
   *  answer carries the group's recovery key, shown once. */
  syncUpgrade(): Promise<SyncAttachment>;
  /** Sends this device's changes and applies the others'; `share_unreachable` if the folder is gone. */
  syncNow(): Promise<SyncReport>;
  /** Settles a conflict by keeping value number `keep` (1 = the value shown now). */
  conflictResolve(id: string, keep: number): Promise<void>;
  /** Closes an alarm a person has dealt with (`not_found` if it is not open). */
  syncDismissAlarm(device: string, seq: number, kind: string): Promise<void>;
  syncAcceptQuarantine(device: string): Promise<SyncQuarantine>;

  /** This vault's age public key (`age1…`, partners export to it) and bundle-signing key
   * (partners verify its bundles with it), made on first use. */
  identityShow(): Promise<OwnKeysView>;
  /** The partner contact book. */
  partnerList(): Promise<Partner[]>;
  /** Adds a partner, or keys to one; keys given here are confirmed on this device. */
  partnerAdd(input: PartnerInput): Promise<Partner>;
  /** Confirms on this device a key another device added, after its words were compared by phone. */
  partnerConfirm(name: string, fingerprint: string): Promise<Partner>;
  /** Takes a partner out of the book, on every device of the group. */
  partnerRemove(name: string): Promise<void>;
  /** Writes an encrypted bundle to a new file; `bad_input` field `path` if it exists. */
  exportRun(request: ExportRequest): Promise<ExportSummary>;
  /** How rare the selected cases are by the facts a no-identity bundle keeps. */
  exportRarity(selection: ExportSelection): Promise<Rarity>;
  /** Reads and checks a bundle, changes nothing; `bad_input` field `passphrase` when it needs one. */
  importPreview(path: string, passphrase?: string): Promise<ImportPlan>;
  /** Imports a bundle in one transaction (all or nothing). */
  importApply(path: string, passphrase?: string): Promise<ImportReport>;

  /** Calls `cb` when the shell locks by itself (idle, suspend); returns the unsubscribe. */
  onVaultLocked(cb: (reason: LockReason) => void): Promise<() => void>;
  /** The shell's `sync-finished` event: an automatic sync ran. */
  onSyncFinished(cb: (event: SyncFinished) => void): Promise<() => void>;
}

async function call<T>(command: string, args?: InvokeArgs): Promise<T> {
  try {
    return await invoke<T>(command, args);
  } catch (e) {
    throw toIpcError(e);
  }
}

async function callVoid(command: string, args?: InvokeArgs): Promise<void> {
  await call<null>(command, args);
}

const LIST_FIELDS = [
  'aliases',
  'citizenship',
  'contacts',
  'languages',
  'risk_flags',
  'documents',
  'criminal_articles',
  'family',
  'events',
  'tasks',
  'notes',
] as const;

/** The core types contacts, documents and family as free JSON: an unset list may come as null. */
export function normaliseCaseFile(file: CaseFile): CaseFile {
  const out = { ...file } as unknown as Record<string, unknown>;
  for (const key of LIST_FIELDS) if (!Array.isArray(out[key])) out[key] = [];
  return out as unknown as CaseFile;
}

function lockReason(payload: unknown): LockReason {
  const reason = (payload as { reason?: unknown } | null)?.reason;
  return reason === 'idle' || reason === 'suspend' || reason === 'user' ? reason : 'user';
}

/** Subscribes to the shell's `vault-locked` event. */
export async function onVaultLocked(cb: (reason: LockReason) => void): Promise<() => void> {
  const unlisten: UnlistenFn = await listen<unknown>('vault-locked', (event) => cb(lockReason(event.payload)));
  return unlisten;
}

/** Subscribes to the shell's `sync-finished` event (automatic syncs). */
export async function onSyncFinished(cb: (event: SyncFinished) => void): Promise<() => void> {
  const unlisten: UnlistenFn = await listen<unknown>('sync-finished', (event) => {
    const p = (event.payload ?? {}) as Partial<SyncFinished>;
    cb({
      automatic: p.automatic !== false,
      report: p.report ?? null,
      error: p.error ? toIpcError(p.error) : null,
    });
  });
  return unlisten;
}

export const tauriBackend: Backend = {
  vaultStatus: () => call<VaultStatus>('vault_status'),
  vaultCreate: (passphrase) => call<{ recoveryKey: string }>('vault_create', { passphrase }),
  vaultUnlock: (passphrase) => callVoid('vault_unlock', { passphrase }),
  vaultLock: () => callVoid('vault_lock'),
  vaultChangePassphrase: (current, next) => callVoid('vault_change_passphrase', { current, next }),
  sessionTouch: () => callVoid('session_touch'),

  settingsGet: () => call<Settings>('settings_get'),
  settingsSet: (settings) => call<Settings>('settings_set', { settings }),

  casesQuery: ({ query, filter, sort, offset, limit }) =>
    call<CasePage>('cases_query', { query, filter, sort, offset, limit }),
  caseGet: (id) => call<CaseFile>('case_get', { id }).then(normaliseCaseFile),
  caseCreate: (input) => call<{ id: string }>('case_create', { input }),
  caseUpdate: (id, input) => callVoid('case_update', { id, input }),
  caseDelete: (id) => callVoid('case_delete', { id }),
  noteAdd: (caseId, text) => call<{ id: string }>('note_add', { caseId, text }),
  taskAdd: (caseId, title, due) => call<{ id: string }>('task_add', { caseId, title, due }),
  taskSetDone: (taskId, done) => callVoid('task_set_done', { taskId, done }),
  eventAdd: (caseId, date, kind, text) => call<{ id: string }>('event_add', { caseId, date, kind, text }),

  syncOverview: () => call<SyncOverview>('sync_overview'),
  syncCreate: (path, label) => call<SyncAttachment>('sync_create', { path, label }),
  syncJoin: (path, invite, passphrase, label) => call<SyncAttachment>('sync_join', { path, invite, passphrase, label }),
  syncInvite: () => call<SyncInvite>('sync_invite'),
  syncRequests: () => call<SyncJoinRequest[]>('sync_requests'),
  syncApprove: (device, code) => callVoid('sync_approve', { device, code }),
  syncDecline: (device) => callVoid('sync_decline', { device }),
  syncRevoke: (device, reason) => callVoid('sync_revoke', { device, reason }),
  syncUpgrade: () => call<SyncAttachment>('sync_upgrade'),
  syncNow: () => call<SyncReport>('sync_now'),
  conflictResolve: (id, keep) => callVoid('conflict_resolve', { id, keep }),
  syncDismissAlarm: (device, seq, kind) => callVoid('sync_dismiss_alarm', { device, seq, kind }),
  syncAcceptQuarantine: (device) => call<SyncQuarantine>('sync_accept_quarantine', { device }),

  identityShow: () => call<OwnKeysView>('identity_show'),
  partnerList: () => call<Partner[]>('partner_list'),
  partnerAdd: (input) =>
    call<Partner>('partner_add', {
      name: input.name,
      recipients: input.recipients,
      signingKeys: input.signing_keys,
      ...(input.note !== undefined ? { note: input.note } : {}),
    }),
  partnerConfirm: (name, fingerprint) => call<Partner>('partner_confirm', { name, fingerprint }),
  partnerRemove: (name) => call<void>('partner_remove', { name }),
  exportRarity: (selection) => call<Rarity>('export_rarity', { selection }),
  exportRun: ({ selection, profile, recipients, partner, include_city, passphrase, path }) =>
    call<ExportSummary>('export_run', { selection, profile, recipients, partner, includeCity: include_city, passphrase, path }),
  importPreview: (path, passphrase) => call<ImportPlan>('import_preview', { path, passphrase }),
  importApply: (path, passphrase) => call<ImportReport>('import_apply', { path, passphrase }),

  onVaultLocked,
  onSyncFinished,
};
