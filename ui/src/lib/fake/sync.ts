/**
 * The fake's sync commands: create/join/invite, a report counting the changes made since the
 * last sync, conflicts, alarms and quarantines a test put in (see `ui/src/lib/fakeBackend.ts`).
 */
import type {
  SyncAttachment,
  SyncDevice,
  SyncInvite,
  SyncJoinRequest,
  SyncOverview,
  SyncQuarantine,
  SyncReport,
} from '../types';
import { IpcError } from '../types';
import { bad, clone, deviceLabel, sharePath, sleep } from './input';
import {
  FAKE_DEVICE_ID,
  FAKE_GROUP_RECOVERY_KEY,
  FAKE_INVITE,
  FAKE_INVITE_PASSPHRASE,
  FAKE_JOIN_CODE,
  type FakeState,
} from './state';

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
    role: share.role,
    state: share.state,
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
      state: share.state,
      ...(share.state === 'pending' ? { code: FAKE_JOIN_CODE } : {}),
      ...(share.approvedBy ? { approved_by: share.approvedBy } : {}),
      epoch: '9c8b7a6f5e4d3c2b1a0f9e8d7c6b5a49',
      roster_head: 'bamote-kinusa-dorive-pakelo',
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
  s.share = fresh(dir, l, 'member', 'coordinator');
  return {
    group_id: '5f0e3c2a9b8d7c6e5f4a3b2c1d0e9f8a',
    path: dir,
    device_id: FAKE_DEVICE_ID,
    recovery_key: FAKE_GROUP_RECOVERY_KEY,
  };
}

/** As `share upgrade`: only a group made by an older Casebook; this device becomes its first
 *  coordinator and every other device is listed as `legacy` until it joins again. */
export async function upgrade(s: FakeState): Promise<SyncAttachment> {
  s.record('sync_upgrade');
  s.requireUnlocked();
  const share = s.requireShare();
  if (share.state) throw new IpcError('bad_input', 'this group has a roster already: it needs no upgrade', 'share');
  share.state = 'member';
  share.role = 'coordinator';
  for (const p of share.peers) p.state = 'legacy';
  return {
    group_id: '6a1f4d3b0c9e8d7f6a5b4c3d2e1f0a9b',
    path: share.path,
    device_id: FAKE_DEVICE_ID,
    recovery_key: FAKE_GROUP_RECOVERY_KEY,
    old_devices: share.peers.length + 1,
  };
}

function fresh(path: string, label: string, state: 'pending' | 'member', role: 'coordinator' | 'member') {
  return { path, label, reachable: true, seq: 0, peers: [], alarms: [], quarantine: [], state, role, requests: [] };
}

export async function join(s: FakeState, path: string, invite: string, passphrase: string, label: string): Promise<SyncAttachment> {
  s.record('sync_join', { path, invite, passphrase, label });
  s.requireUnlocked();
  const dir = sharePath(path);
  const l = deviceLabel(label);
  if (!invite.trim()) throw bad('invite', 'paste the invite text');
  if (!passphrase) throw bad('passphrase', 'enter the passphrase');
  if (s.share && s.share.state) throw new IpcError('bad_input', 'this vault already syncs with a share', 'share');
  if (!invite.trim().toUpperCase().startsWith('CASEBOOK-INVITE-2:')) {
    throw bad('invite', 'this is not an invite of this Casebook (it starts with CASEBOOK-INVITE-2:); ask for a new one');
  }
  await sleep(s.kdfDelayMs);
  if (passphrase.trim() !== FAKE_INVITE_PASSPHRASE) throw new IpcError('wrong_key', 'wrong passphrase or recovery key');
  s.share = fresh(dir, l, 'pending', 'member');
  return { group_id: '5f0e3c2a9b8d7c6e5f4a3b2c1d0e9f8a', path: dir, device_id: FAKE_DEVICE_ID, state: 'pending', code: FAKE_JOIN_CODE };
}

export async function requests(s: FakeState): Promise<SyncJoinRequest[]> {
  s.record('sync_requests');
  s.requireUnlocked();
  return s.requireShare().requests.map(({ device, label, arrived_at }) => ({ device, label, arrived_at }));
}

export async function approve(s: FakeState, device: string, code: string): Promise<void> {
  s.record('sync_approve', { device, code });
  s.requireUnlocked();
  const share = s.requireShare();
  const at = share.requests.findIndex((r) => r.device === device);
  if (at < 0) throw new IpcError('not_found', 'no request of this device');
  if (!code.trim()) throw bad('code', 'type the code the other person reads out to you');
  if (code.replace(/[\s-]/g, '') !== share.requests[at].code.replace(/-/g, '')) {
    throw bad('code', 'it is not the code of this request. Nothing was approved.');
  }
  const [r] = share.requests.splice(at, 1);
  s.addPeer({ device: r.device, label: r.label });
}

export async function decline(s: FakeState, device: string): Promise<void> {
  s.record('sync_decline', { device });
  s.requireUnlocked();
  const share = s.requireShare();
  const at = share.requests.findIndex((r) => r.device === device);
  if (at < 0) throw new IpcError('not_found', 'no request of this device');
  share.requests.splice(at, 1);
}

export async function revoke(s: FakeState, device: string, reason: string): Promise<void> {
  s.record('sync_revoke', { device, reason });
  s.requireUnlocked();
  const share = s.requireShare();
  if (share.role !== 'coordinator') throw new IpcError('bad_input', 'only a coordinator of the group can revoke a device', 'share');
  const peer = share.peers.find((p) => p.device === device);
  if (!peer) throw new IpcError('not_found', 'no device with this id');
  peer.state = 'revoked';
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
