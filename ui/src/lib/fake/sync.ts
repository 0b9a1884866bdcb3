/**
 * The fake's sync commands: create/join/invite, a report counting the changes made since the
 * last sync, conflicts, alarms and quarantines a test put in (see `ui/src/lib/fakeBackend.ts`).
 */
import type { SyncAttachment, SyncDevice, SyncInvite, SyncOverview, SyncQuarantine, SyncReport } from '../types';
import { IpcError } from '../types';
import { bad, clone, deviceLabel, sharePath, sleep } from './input';
import { FAKE_DEVICE_ID, FAKE_INVITE, FAKE_INVITE_PASSPHRASE, type FakeState } from './state';

export async function overview(s: FakeState): Promise<SyncOverview> {
  s.record('sync_overview');
  s.requireUnlocked();
  const share = s.share;
  // As the shell answers: the vault's conflicts (from imports) are listed, empty or not.
  if (!share) return { attached: false, conflicts: clone(s.conflicts) };
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
      conflicts: s.conflicts.length,
    },
    conflicts: clone(s.conflicts),
  };
}

export async function create(s: FakeState, path: string, label: string): Promise<SyncAttachment> {
  s.record('sync_create', { path, label });
  s.requireUnlocked();
  const dir = sharePath(path);
  const l = deviceLabel(label);
  if (s.share) throw new IpcError('bad_input', 'this vault already syncs with a share', 'share');
  s.share = { path: dir, label: l, reachable: true, seq: 0, peers: [], alarms: [], quarantine: [] };
  return { group_id: '5f0e3c2a9b8d7c6e5f4a3b2c1d0e9f8a', path: dir, device_id: FAKE_DEVICE_ID };
}

export async function join(s: FakeState, path: string, invite: string, passphrase: string, label: string): Promise<SyncAttachment> {
  s.record('sync_join', { path, invite, passphrase, label });
  s.requireUnlocked();
  const dir = sharePath(path);
  const l = deviceLabel(label);
  if (!invite.trim()) throw bad('invite', 'paste the invite text');
  if (!passphrase) throw bad('passphrase', 'enter the passphrase');
  if (s.share) throw new IpcError('bad_input', 'this vault already syncs with a share', 'share');
  if (!invite.trim().toUpperCase().startsWith('CASEBOOK-INVITE-1:')) throw bad('invite', 'an invite starts with CASEBOOK-INVITE-1:');
  await sleep(s.kdfDelayMs);
  if (passphrase.trim() !== FAKE_INVITE_PASSPHRASE) throw new IpcError('wrong_key', 'wrong passphrase or recovery key');
  s.share = { path: dir, label: l, reachable: true, seq: 0, peers: [], alarms: [], quarantine: [] };
  s.addPeer({ device: '0c1d2e3f405162738495a6b7c8d9eaf1', label: 'Inviter', last_heard: `${s.today}T09:00:00.000Z` });
  return { group_id: '5f0e3c2a9b8d7c6e5f4a3b2c1d0e9f8a', path: dir, device_id: FAKE_DEVICE_ID };
}

export async function invite(s: FakeState): Promise<SyncInvite> {
  s.record('sync_invite');
  s.requireUnlocked();
  s.requireShare();
  await sleep(s.kdfDelayMs);
  return { invite: FAKE_INVITE, passphrase: FAKE_INVITE_PASSPHRASE };
}

export async function now(s: FakeState): Promise<SyncReport> {
  s.record('sync_now');
  s.requireUnlocked();
  const share = s.requireShare();
  if (!share.reachable) {
    throw new IpcError('share_unreachable', `the share ${share.path} cannot be used: the folder cannot be opened`);
  }
  await sleep(s.syncDelayMs);
  const sent = s.unsent;
  s.unsent = 0;
  if (sent > 0) share.seq++;
  const extra = s.extraReport ?? {};
  s.extraReport = null;
  share.alarms.push(...(extra.alarms ?? []));
  share.quarantine.push(...(extra.quarantined ?? []));
  const received = extra.received ?? [];
  return {
    sent_deltas: sent > 0 ? 1 : 0,
    sent_changes: sent,
    republished: 0,
    received,
    received_changes: received.reduce((n, r) => n + r.changes, 0),
    conflicts: s.conflicts.length,
    new_conflicts: 0,
    problems: [],
    waiting: [],
    alarms: [],
    quarantined: [],
    ...extra,
  };
}

export async function resolveConflict(s: FakeState, id: string, keep: number): Promise<void> {
  s.record('conflict_resolve', { id, keep });
  s.requireUnlocked();
  const at = s.conflicts.findIndex((c) => c.id === id);
  if (at < 0) throw new IpcError('not_found', 'no conflict with this id');
  const conflict = s.conflicts[at];
  if (!Number.isInteger(keep) || keep < 1 || keep > conflict.values.length) throw bad('keep', 'no such value');
  s.conflicts.splice(at, 1);
  s.unsent++;
}

export async function dismissAlarm(s: FakeState, device: string, seq: number, kind: string): Promise<void> {
  s.record('sync_dismiss_alarm', { device, seq, kind });
  s.requireUnlocked();
  const share = s.requireShare();
  const at = share.alarms.findIndex((a) => a.device === device && a.seq === seq && a.kind === kind);
  if (at < 0) throw new IpcError('not_found', 'no open alarm like this');
  share.alarms.splice(at, 1);
}

export async function acceptQuarantine(s: FakeState, device: string): Promise<SyncQuarantine> {
  s.record('sync_accept_quarantine', { device });
  s.requireUnlocked();
  const q = s.requireShare().quarantine.find((x) => x.device === device);
  if (!q) throw new IpcError('not_found', 'no quarantine of this device');
  if (q.accepted_at) throw bad('quarantine', 'its changes were accepted already');
  q.accepted_at = `${s.today}T12:00:00.000Z`;
  s.unsent += q.changes;
  return clone(q);
}
