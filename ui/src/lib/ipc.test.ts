import { beforeEach, describe, expect, it, vi } from 'vitest';

const { invoke, listen } = vi.hoisted(() => ({ invoke: vi.fn(), listen: vi.fn() }));
vi.mock('@tauri-apps/api/core', () => ({ invoke: (...a: unknown[]) => invoke(...a) }));
vi.mock('@tauri-apps/api/event', () => ({ listen: (...a: unknown[]) => listen(...a) }));

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { onSyncFinished, tauriBackend } from './ipc';
import { IpcError, type SyncFinished } from './types';

const filter = { stage: 'vetting', country: 'GE', riskLevel: 'high', due: 'week' as const };

/** The shell's commands as its Rust source declares them: name → its arguments, camelCase as
 * Tauri takes them from JS (the session `state` is the shell's own). */
function shellCommands(): Map<string, string[]> {
  const dir = join(__dirname, '../../../src-tauri/src/commands');
  const out = new Map<string, string[]>();
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.rs'))) {
    const src = readFileSync(join(dir, file), 'utf8');
    for (const m of src.matchAll(/#\[tauri::command(?:\(async\))?\]\s*pub fn (\w+)\(([^)]*)\)/g)) {
      const args = m[2]
        .split(',')
        .map((p) => p.trim().split(':')[0].trim())
        .filter((p) => p && p !== 'state')
        .map((p) => p.replace(/_(\w)/g, (_, c: string) => c.toUpperCase()));
      out.set(m[1], args);
    }
  }
  return out;
}
const SHELL = shellCommands();

/** Each command, a call of `tauriBackend` that invokes it, and the arguments it must send. */
const CASES: [string, () => Promise<unknown>, unknown][] = [
  ['vault_status', () => tauriBackend.vaultStatus(), undefined],
  ['vault_create', () => tauriBackend.vaultCreate('pw'), { passphrase: 'pw' }],
  ['vault_unlock', () => tauriBackend.vaultUnlock('pw'), { passphrase: 'pw' }],
  ['vault_lock', () => tauriBackend.vaultLock(), undefined],
  ['vault_change_passphrase', () => tauriBackend.vaultChangePassphrase('a', 'b'), { current: 'a', next: 'b' }],
  ['session_touch', () => tauriBackend.sessionTouch(), undefined],
  ['settings_get', () => tauriBackend.settingsGet(), undefined],
  [
    'settings_set',
    () => tauriBackend.settingsSet({ language: 'ru', autoLockMinutes: 7, autoSync: false, publishMinutes: 30 }),
    { settings: { language: 'ru', autoLockMinutes: 7, autoSync: false, publishMinutes: 30 } },
  ],
  [
    'cases_query',
    () => tauriBackend.casesQuery({ query: 'yuri', filter, sort: 'risk', offset: 100, limit: 100 }),
    { query: 'yuri', filter, sort: 'risk', offset: 100, limit: 100 },
  ],
  ['case_get', () => tauriBackend.caseGet('c1'), { id: 'c1' }],
  ['case_create', () => tauriBackend.caseCreate({ full_name: 'Юрий' }), { input: { full_name: 'Юрий' } }],
  ['case_update', () => tauriBackend.caseUpdate('c1', { city: null }), { id: 'c1', input: { city: null } }],
  ['case_delete', () => tauriBackend.caseDelete('c1'), { id: 'c1' }],
  ['note_add', () => tauriBackend.noteAdd('c1', 'hi'), { caseId: 'c1', text: 'hi' }],
  ['task_add', () => tauriBackend.taskAdd('c1', 'Call', null), { caseId: 'c1', title: 'Call', due: null }],
  ['task_set_done', () => tauriBackend.taskSetDone('t1', true), { taskId: 't1', done: true }],
  [
    'event_add',
    () => tauriBackend.eventAdd('c1', '2026-11-20', 'border_crossing', 'Upper Lars'),
    { caseId: 'c1', date: '2026-11-20', kind: 'border_crossing', text: 'Upper Lars' },
  ],
  ['sync_overview', () => tauriBackend.syncOverview(), undefined],
  ['sync_create', () => tauriBackend.syncCreate('/mnt/share', 'Anna'), { path: '/mnt/share', label: 'Anna' }],
  [
    'sync_join',
    () => tauriBackend.syncJoin('/mnt/share', 'CASEBOOK-INVITE-2:AB', 'ba-be', 'Boris'),
    { path: '/mnt/share', invite: 'CASEBOOK-INVITE-2:AB', passphrase: 'ba-be', label: 'Boris' },
  ],
  ['sync_invite', () => tauriBackend.syncInvite(), undefined],
  ['sync_requests', () => tauriBackend.syncRequests(), undefined],
  [
    'sync_approve',
    () => tauriBackend.syncApprove('ab12cd34', '123456-654321-112233-445566'),
    { device: 'ab12cd34', code: '123456-654321-112233-445566' },
  ],
  ['sync_decline', () => tauriBackend.syncDecline('ab12cd34'), { device: 'ab12cd34' }],
  ['sync_revoke', () => tauriBackend.syncRevoke('ab12cd34', 'seized'), { device: 'ab12cd34', reason: 'seized' }],
  ['sync_upgrade', () => tauriBackend.syncUpgrade(), undefined],
  ['sync_now', () => tauriBackend.syncNow(), undefined],
  ['sync_dismiss_alarm', () => tauriBackend.syncDismissAlarm('ab12', 3, 'fork'), { device: 'ab12', seq: 3, kind: 'fork' }],
  ['sync_accept_quarantine', () => tauriBackend.syncAcceptQuarantine('ab12'), { device: 'ab12' }],
  ['conflict_resolve', () => tauriBackend.conflictResolve('a1b2c3d4e5f6', 2), { id: 'a1b2c3d4e5f6', keep: 2 }],
  ['identity_show', () => tauriBackend.identityShow(), undefined],
  ['partner_list', () => tauriBackend.partnerList(), undefined],
  [
    'partner_add',
    () => tauriBackend.partnerAdd({ name: 'Memorial', recipients: ['age1abc'], signing_keys: ['ssh-ed25519 AAAA'], note: 'n' }),
    { name: 'Memorial', recipients: ['age1abc'], signingKeys: ['ssh-ed25519 AAAA'], note: 'n' },
  ],
  [
    'partner_confirm',
    () => tauriBackend.partnerConfirm('Memorial', 'SHA256:abc'),
    { name: 'Memorial', fingerprint: 'SHA256:abc' },
  ],
  ['partner_remove', () => tauriBackend.partnerRemove('Memorial'), { name: 'Memorial' }],
  ['export_rarity', () => tauriBackend.exportRarity({ kind: 'all' }), { selection: { kind: 'all' } }],
  [
    'export_run',
    () =>
      tauriBackend.exportRun({ selection: { kind: 'all' }, profile: 'full', partner: 'Memorial', path: '~/p.age' }),
    { selection: { kind: 'all' }, profile: 'full', partner: 'Memorial', path: '~/p.age' },
  ],
  [
    'export_run',
    () =>
      tauriBackend.exportRun({
        selection: { kind: 'stage', stage: 'vetting' },
        profile: 'no-identity',
        recipients: ['age1abc'],
        path: '~/out.age',
      }),
    { selection: { kind: 'stage', stage: 'vetting' }, profile: 'no-identity', recipients: ['age1abc'], path: '~/out.age' },
  ],
  ['import_preview', () => tauriBackend.importPreview('/tmp/b.age'), { path: '/tmp/b.age' }],
  ['import_apply', () => tauriBackend.importApply('/tmp/b.age', 'secret words'), { path: '/tmp/b.age', passphrase: 'secret words' }],
];
const invokedCommands = CASES.map((c) => c[0]);

describe('tauriBackend follows docs/ipc.md', () => {
  beforeEach(() => {
    invoke.mockReset();
    listen.mockReset();
    invoke.mockResolvedValue(null);
  });

  it.each(CASES)('%s is invoked with the contract arguments', async (command, run, args) => {
    await run();
    expect(invoke).toHaveBeenCalledTimes(1);
    expect(invoke.mock.calls[0][0]).toBe(command);
    expect(invoke.mock.calls[0][1]).toEqual(args);
    // The shell has this command, and takes exactly these arguments (optional ones may be left out).
    const declared = SHELL.get(command);
    expect(declared, `the shell has no command ${command}`).toBeDefined();
    const sent = Object.keys((args ?? {}) as object);
    for (const a of sent) expect(declared, `${command} takes no argument ${a}`).toContain(a);
  });

  it('knows every command the shell has', () => {
    expect(SHELL.size).toBeGreaterThan(25);
    const called = new Set(invokedCommands);
    for (const name of SHELL.keys()) expect(called.has(name), `no test invokes ${name}`).toBe(true);
  });

  it('normalises a rejected {code, message, field} into an IpcError', async () => {
    invoke.mockRejectedValueOnce({ code: 'bad_input', message: 'country: not a country', field: 'country' });
    const err = await tauriBackend.caseCreate({ full_name: 'x' }).catch((e) => e);
    expect(err).toBeInstanceOf(IpcError);
    expect(err).toMatchObject({ code: 'bad_input', field: 'country', message: 'country: not a country' });
  });

  it('turns unknown rejections (a bare string, an unknown code) into internal errors', async () => {
    invoke.mockRejectedValueOnce('command case_gett not found');
    expect(await tauriBackend.caseGet('x').catch((e) => e)).toMatchObject({ code: 'internal' });
    invoke.mockRejectedValueOnce({ code: 'exploded', message: 'boom' });
    expect(await tauriBackend.caseGet('x').catch((e) => e)).toMatchObject({ code: 'internal', message: 'boom' });
  });

  it('reads a case whose unset lists came as null as empty lists', async () => {
    invoke.mockResolvedValueOnce({ id: 'c1', full_name: 'A', contacts: null, documents: null, family: null, aliases: [], notes: [] });
    const file = await tauriBackend.caseGet('c1');
    expect(file).toMatchObject({ contacts: [], documents: [], family: [], tasks: [], events: [], full_name: 'A' });
  });

  it('passes an automatic sync with its report or its error as an IpcError', async () => {
    let handler: (e: { payload: unknown }) => void = () => {};
    listen.mockImplementation(async (name: string, h: typeof handler) => {
      expect(name).toBe('sync-finished');
      handler = h;
      return () => {};
    });
    const events: SyncFinished[] = [];
    await onSyncFinished((e) => events.push(e));
    handler({ payload: { automatic: true, report: { sent_deltas: 1 }, error: null } });
    handler({ payload: { automatic: true, report: null, error: { code: 'share_unreachable', message: 'gone' } } });
    expect(events[0].report).toEqual({ sent_deltas: 1 });
    expect(events[1].error).toBeInstanceOf(IpcError);
    expect(events[1].error?.code).toBe('share_unreachable');
  });

  it('passes the reason of the vault-locked event, defaulting to "user"', async () => {
    let handler: (e: { payload: unknown }) => void = () => {};
    listen.mockImplementation(async (name: string, h: typeof handler) => {
      expect(name).toBe('vault-locked');
      handler = h;
      return () => {};
    });
    const reasons: string[] = [];
    await tauriBackend.onVaultLocked((r) => reasons.push(r));
    handler({ payload: { reason: 'suspend' } });
    handler({ payload: { reason: 'weird' } });
    handler({ payload: null });
    expect(reasons).toEqual(['suspend', 'user', 'user']);
  });
});
