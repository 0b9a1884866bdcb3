import { fireEvent, screen, waitFor, within } from '@testing-library/svelte';
import { describe, expect, it } from 'vitest';
import { openApp, renderWith } from '../test/helpers';
import {
  FAKE_GROUP_RECOVERY_KEY,
  FAKE_INVITE,
  FAKE_INVITE_PASSPHRASE,
  FAKE_JOIN_CODE,
  type FakeOptions,
} from '../lib/fakeBackend';
import { setLanguage } from '../lib/i18n/index.svelte';
import type { Conflict } from '../lib/types';
import Sync from './Sync.svelte';

const PEER = '0c1d2e3f405162738495a6b7c8d9eaf1';
const OTHER = 'ffeeddccbbaa99887766554433221100';

async function syncScreen(opts: FakeOptions = {}, setup: (fake: Awaited<ReturnType<typeof openApp>>['fake']) => void = () => {}) {
  const made = await openApp(opts);
  setup(made.fake);
  const view = renderWith(Sync, made.app);
  await waitFor(() => expect(made.app.sync.overview).not.toBeNull());
  return { ...made, view };
}

async function attached(opts: FakeOptions = {}, setup: (fake: Awaited<ReturnType<typeof openApp>>['fake']) => void = () => {}) {
  const made = await syncScreen(opts, (fake) => {
    fake.attachShare('/media/anna/USB/casebook', 'Anna laptop');
    fake.addPeer({ device: PEER, label: 'Boris desktop', seq: 3, share_seq: 5, gap: 4, last_heard: '2026-11-22T18:30:00.000Z' });
    setup(fake);
  });
  await screen.findByTestId('share-path');
  return made;
}

function stageConflict(caseId: string): Conflict {
  return {
    id: 'a1b2c3d4e5f6',
    case_id: caseId,
    record: 'case',
    record_id: caseId,
    field: 'stage',
    values: [
      { n: 1, value: 'vetting', device: PEER, device_label: 'Boris desktop', time: '2026-11-22T10:00:00.000Z', shown: true },
      { n: 2, value: 'exit', device: 'a1b2c3d4e5f60718293a4b5c6d7e8f90', device_label: 'Anna laptop', time: '2026-11-22T09:00:00.000Z', shown: false },
    ],
  };
}

async function type(testid: string, value: string) {
  await fireEvent.input(screen.getByTestId(testid), { target: { value } });
}

describe('sync screen, not attached', () => {
  it('explains the share folder and offers both ways in', async () => {
    await syncScreen();
    expect(await screen.findByText(/Syncthing or Nextcloud folder/)).toBeInTheDocument();
    expect(screen.getByText(/USB stick/)).toBeInTheDocument();
    expect(screen.getByRole('heading', { name: 'Create a new sync group' })).toBeInTheDocument();
    expect(screen.getByRole('heading', { name: 'Join with an invite' })).toBeInTheDocument();
    expect(screen.getByLabelText('Invite text')).toBeInTheDocument();
    expect(screen.getByLabelText('One-time passphrase')).toBeInTheDocument();
    expect(screen.getAllByLabelText('Share folder (full path)')).toHaveLength(2);
    expect(screen.getAllByLabelText('Name of this device')).toHaveLength(2);
    expect(screen.getByTestId('create-share')).toBeDisabled();
  });

  it('creates a group from a typed path and shows the attached view', async () => {
    const { fake } = await syncScreen();
    await type('create-path', 'Sync/casebook');
    await fireEvent.click(screen.getByTestId('create-share'));
    expect(await screen.findByTestId('field-error-path')).toHaveTextContent('full path');
    await type('create-path', '/home/anna/Sync/casebook');
    await type('create-label', 'Anna laptop');
    await fireEvent.click(screen.getByTestId('create-share'));
    expect(await screen.findByTestId('share-path')).toHaveTextContent('/home/anna/Sync/casebook');
    expect(screen.getByTestId('attached-notice')).toHaveTextContent('The sync group is ready');
    expect(screen.getByTestId('sync-now')).toHaveFocus();
    expect(fake.callsOf('sync_create').at(-1)).toEqual({ path: '/home/anna/Sync/casebook', label: 'Anna laptop' });
    const rows = screen.getAllByTestId('device-row');
    expect(rows).toHaveLength(1);
    expect(rows[0]).toHaveTextContent('Anna laptop');
    expect(rows[0]).toHaveTextContent('this computer');
    expect(rows[0]).toHaveTextContent('Coordinator');
    // The group recovery key, once: gone for good when the person says it is on paper.
    expect(screen.getByTestId('group-recovery-key-text')).toHaveTextContent(FAKE_GROUP_RECOVERY_KEY);
    await fireEvent.click(screen.getByTestId('recovery-key-kept'));
    expect(screen.queryByTestId('group-recovery-key')).toBeNull();
    await fireEvent.click(screen.getByTestId('sync-now'));
    await screen.findByTestId('sync-summary');
    expect(screen.queryByTestId('group-recovery-key')).toBeNull();
  });

  it('joins with an invite: a wrong passphrase is said so beside the field', async () => {
    const { fake } = await syncScreen();
    await type('join-path', '/mnt/share');
    await type('join-invite', FAKE_INVITE);
    await type('join-passphrase', 'wrong-words-here-now');
    await type('join-label', 'Boris');
    await fireEvent.click(screen.getByTestId('join-share'));
    expect(await screen.findByTestId('join-wrong-passphrase')).toHaveTextContent('does not open the invite');
    expect(screen.getByTestId('join-passphrase')).toHaveAttribute('aria-invalid', 'true');
    await type('join-passphrase', FAKE_INVITE_PASSPHRASE);
    await fireEvent.click(screen.getByTestId('join-share'));
    expect(await screen.findByTestId('attached-notice')).toHaveTextContent('joined the group');
    expect(fake.callsOf('sync_join').at(-1)).toEqual({
      path: '/mnt/share',
      invite: FAKE_INVITE,
      passphrase: FAKE_INVITE_PASSPHRASE,
      label: 'Boris',
    });
    // Waiting for approval, with the code to read out by voice; no invite can be made.
    expect(screen.getByTestId('join-pending')).toHaveTextContent('Waiting for approval');
    expect(screen.getByTestId('join-code')).toHaveTextContent(FAKE_JOIN_CODE);
    expect(screen.getByTestId('join-pending')).toHaveTextContent('never in the chat that carried the invite');
    expect(screen.queryByTestId('make-invite')).toBeNull();
  });

  it('says when the folder cannot be used as the share', async () => {
    const { fake } = await syncScreen();
    fake.failNext('sync_join', 'share_unreachable', undefined, 'it has no casebook.share file');
    await type('join-path', '/mnt/share');
    await type('join-invite', FAKE_INVITE);
    await type('join-passphrase', FAKE_INVITE_PASSPHRASE);
    await fireEvent.click(screen.getByTestId('join-share'));
    const error = await screen.findByTestId('error-message');
    expect(error).toHaveAttribute('data-code', 'share_unreachable');
    expect(error).toHaveTextContent('casebook.share');
  });
});

describe('sync screen, conflicts without a share', () => {
  it('lists conflicts an import left, above the ways to set up sync, and settles them', async () => {
    const { fake } = await syncScreen({}, (f) => {
      const id = f.put({ full_name: 'Мария Соколова' });
      f.addConflict(stageConflict(id));
    });
    const conflicts = await screen.findByTestId('conflicts');
    expect(conflicts).toHaveTextContent('1 conflict to review');
    await waitFor(() => expect(within(conflicts).getByTestId('conflict-case')).toHaveTextContent('Мария Соколова'));
    expect(screen.getByTestId('create-share')).toBeInTheDocument();
    await fireEvent.click(within(conflicts).getAllByRole('button', { name: /Keep this for Stage/ })[1]);
    await waitFor(() => expect(screen.queryByTestId('conflicts')).toBeNull());
    expect(fake.callsOf('conflict_resolve')).toEqual([{ id: 'a1b2c3d4e5f6', keep: 2 }]);
  });
});

describe('sync screen, membership', () => {
  it('a coordinator approves a request by typing the code; a wrong code approves nothing', async () => {
    const { fake } = await attached({}, (f) => f.addJoinRequest(OTHER, 'Vera phone', FAKE_JOIN_CODE));
    const request = await screen.findByTestId('join-request');
    expect(request).toHaveTextContent('Vera phone');
    expect(screen.getByTestId('join-requests')).not.toHaveTextContent(FAKE_JOIN_CODE);
    await fireEvent.input(within(request).getByTestId('approve-code'), { target: { value: '111111-222222-333333-444444' } });
    await fireEvent.click(within(request).getByTestId('approve-request'));
    expect(await within(request).findByRole('alert')).toHaveTextContent('code');
    expect(screen.getAllByTestId('device-row')).toHaveLength(2);
    await fireEvent.input(within(request).getByTestId('approve-code'), { target: { value: FAKE_JOIN_CODE } });
    await fireEvent.click(within(request).getByTestId('approve-request'));
    await waitFor(() => expect(screen.queryByTestId('join-requests')).toBeNull());
    expect(fake.callsOf('sync_approve').at(-1)).toEqual({ device: OTHER, code: FAKE_JOIN_CODE });
    expect(screen.getAllByTestId('device-row')).toHaveLength(3);
  });

  it('revoking asks first, says what it does and lists what else to do', async () => {
    const { fake } = await attached();
    await fireEvent.click(screen.getByTestId('revoke-device'));
    const confirm = screen.getByTestId('revoke-confirm');
    expect(confirm).toHaveTextContent('Remove “Boris desktop” from the group?');
    expect(confirm).toHaveTextContent('every other device gets a new key');
    expect(within(confirm).getByTestId('revoke-checklist').querySelectorAll('li')).toHaveLength(3);
    expect(confirm).toHaveTextContent('Syncthing');
    await fireEvent.click(screen.getByTestId('revoke-cancel'));
    expect(fake.callsOf('sync_revoke')).toHaveLength(0);
    await fireEvent.click(screen.getByTestId('revoke-device'));
    await fireEvent.input(screen.getByTestId('revoke-reason'), { target: { value: 'laptop seized' } });
    await fireEvent.click(screen.getByTestId('revoke-confirm-button'));
    await waitFor(() => expect(screen.queryByTestId('revoke-confirm')).toBeNull());
    expect(fake.callsOf('sync_revoke').at(-1)).toEqual({ device: PEER, reason: 'laptop seized' });
    expect(screen.getAllByTestId('device-row')[1]).toHaveTextContent('removed');
  });

  it('a joiner, once approved, is told who approved it', async () => {
    await attached({}, (f) => {
      f.requireShare().approvedBy = 'Anna laptop';
      f.requireShare().role = 'member';
    });
    expect(screen.getByTestId('approved-by')).toHaveTextContent('approved by “Anna laptop”');
    expect(screen.queryByTestId('make-invite')).toBeNull();
  });

  it('reads in Russian', async () => {
    await attached({}, (f) => f.addJoinRequest(OTHER, 'Вера', FAKE_JOIN_CODE));
    setLanguage('ru');
    expect(await screen.findByText('Устройства просят присоединиться')).toBeInTheDocument();
    await fireEvent.click(screen.getByTestId('revoke-device'));
    expect(screen.getByTestId('revoke-confirm')).toHaveTextContent('Удалить «Boris desktop» из группы?');
    setLanguage('en');
  });
});

describe('sync screen, a group made by an older Casebook', () => {
  async function oldGroup() {
    const made = await syncScreen({}, (fake) => fake.attachOldGroup('/media/anna/USB/casebook'));
    await screen.findByTestId('old-group');
    return made;
  }

  it('says what the old group lets anyone do, and upgrades only after a confirmation', async () => {
    const { fake } = await oldGroup();
    expect(screen.getByTestId('old-group')).toHaveTextContent('no device can ever be removed');
    expect(screen.queryByTestId('make-invite')).toBeNull();
    await fireEvent.click(screen.getByTestId('upgrade-group'));
    expect(screen.getByTestId('upgrade-confirm')).toHaveTextContent('only if you will coordinate the group');
    expect(fake.callsOf('sync_upgrade')).toHaveLength(0);
    await fireEvent.click(screen.getByText('Cancel'));
    expect(screen.queryByTestId('upgrade-confirm')).toBeNull();
    await fireEvent.click(screen.getByTestId('upgrade-group'));
    await fireEvent.click(screen.getByTestId('upgrade-confirm-yes'));
    expect(await screen.findByTestId('group-recovery-key-text')).toHaveTextContent(FAKE_GROUP_RECOVERY_KEY);
    expect(fake.callsOf('sync_upgrade')).toHaveLength(1);
    expect(screen.queryByTestId('old-group')).toBeNull();
    expect(screen.getByTestId('attached-notice')).toHaveTextContent('first coordinator');
    expect(screen.getAllByTestId('device-row')[1]).toHaveTextContent('old group: its history only');
    expect(screen.getByTestId('make-invite')).toBeInTheDocument();
  });

  it('joins the group a colleague upgraded it to, and then waits for approval', async () => {
    const { fake } = await oldGroup();
    expect(screen.queryByTestId('join-share')).toBeNull();
    await fireEvent.click(screen.getByTestId('join-upgraded'));
    expect(screen.queryByTestId('create-share')).toBeNull();
    await type('join-path', '/media/anna/USB/casebook');
    await type('join-invite', FAKE_INVITE);
    await type('join-passphrase', FAKE_INVITE_PASSPHRASE);
    await fireEvent.click(screen.getByTestId('join-share'));
    expect(await screen.findByTestId('join-pending')).toHaveTextContent(FAKE_JOIN_CODE);
    expect(fake.callsOf('sync_join')).toHaveLength(1);
    expect(screen.queryByTestId('old-group')).toBeNull();
  });

  it('reads in Russian', async () => {
    await oldGroup();
    setLanguage('ru');
    expect(await screen.findByText('Эта группа создана старой версией Casebook')).toBeInTheDocument();
    expect(screen.getByTestId('upgrade-group')).toHaveTextContent('Обновить группу');
    setLanguage('en');
  });
});

describe('sync screen, attached', () => {
  it('shows the share folder and the devices, with a missing update spelled out', async () => {
    await attached();
    expect(screen.getByTestId('share-path')).toHaveTextContent('/media/anna/USB/casebook');
    const rows = screen.getAllByTestId('device-row');
    expect(rows.map((r) => within(r).getByRole('rowheader').textContent?.trim())).toEqual([
      'Anna laptop this computer',
      'Boris desktop',
    ]);
    expect(rows[1]).toHaveTextContent('0c1d2e3f');
    expect(rows[1]).toHaveTextContent('3 / 5');
    expect(within(rows[1]).getByTestId('device-gap')).toHaveTextContent('missing update 4');
    expect(screen.getByTestId('gap-note')).toHaveTextContent('may have removed it');
  });

  it('Sync now is busy while it runs, then shows the summary in plain words', async () => {
    const { fake, app } = await attached({ syncDelayMs: 150 }, (f) => {
      f.nextSyncReport({
        received: [{ device: PEER, label: 'Boris desktop', seq: 4, changes: 7 }],
        new_conflicts: 1,
        conflicts: 1,
        problems: [{ file: `${PEER}/000000000009.delta`, problem: 'the signature does not verify' }],
        waiting: [
          { device: OTHER, label: 'Vera phone', seq: 2, state: 'missing', reason: 'delta 2 is missing from the share' },
          { device: PEER, label: 'Boris desktop', seq: 8, state: 'newer_version', reason: 'update Casebook' },
        ],
        alarms: [{ device: PEER, seq: 6, kind: 'fork', detail: 'two files for delta 6', first_seen: '2026-11-23T09:00:00.000Z' }],
      });
    });
    fake.put({ full_name: 'Юрий Жуков' });
    await app.backend.caseCreate({ full_name: 'Иван Петров' });
    const button = screen.getByTestId('sync-now');
    await fireEvent.click(button);
    expect(button).toBeDisabled();
    expect(button).toHaveTextContent('Syncing…');
    expect(screen.getByTestId('share-card')).toHaveAttribute('aria-busy', 'true');
    expect(screen.getByTestId('sync-progress').querySelector('progress')).not.toBeNull();
    const summary = await screen.findByTestId('sync-summary', {}, { timeout: 2000 });
    expect(button).toBeEnabled();
    expect(button).toHaveTextContent('Sync now');
    expect(screen.getByTestId('share-card')).toHaveAttribute('aria-busy', 'false');
    expect(within(summary).getByTestId('summary-sent')).toHaveTextContent('Sent 1 change to the share.');
    expect(within(summary).getByTestId('summary-received')).toHaveTextContent('Received 7 changes from Boris desktop.');
    expect(within(summary).getByTestId('summary-conflicts')).toHaveTextContent('1 new conflict');
    expect(within(summary).getByTestId('summary-problems')).toHaveTextContent(`${PEER}/000000000009.delta`);
    expect(within(summary).getByTestId('summary-waiting')).toHaveTextContent('Vera phone: update 2 has not arrived yet');
    expect(within(summary).getByTestId('summary-waiting')).toHaveTextContent(
      'Boris desktop uses a newer version of Casebook. Update Casebook on this computer',
    );
    expect(within(summary).getByTestId('summary-alarms')).toHaveTextContent(
      'Device “Boris desktop” wrote two different versions of the same update (number 6). Someone may have copied its key.',
    );
    expect(within(summary).getByTestId('summary-alarms')).toHaveTextContent('Tell your coordinator');
    // The alarm is in the summary, not repeated in the standing warnings.
    expect(screen.queryByTestId('standing-alarms')).toBeNull();
    expect(fake.callsOf('sync_now')).toHaveLength(1);
  });

  it('lets a warning that was dealt with be hidden', async () => {
    const { fake } = await attached();
    const alarm = { device: PEER, seq: 4, kind: 'future_clock', detail: 'delta 4 carries a clock dated 2036-01-01', first_seen: '' };
    fake.nextSyncReport({ alarms: [alarm] });
    await fireEvent.click(screen.getByTestId('sync-now'));
    await screen.findByTestId('summary-alarms');
    await fireEvent.click(screen.getByTestId('sync-now'));
    const standing = await screen.findByTestId('standing-alarms');
    expect(standing).toHaveTextContent('dated far in the future');
    await fireEvent.click(within(standing).getByTestId('dismiss-alarm'));
    await waitFor(() => expect(screen.queryByTestId('standing-alarms')).toBeNull());
    expect(fake.callsOf('sync_dismiss_alarm')).toEqual([{ device: PEER, seq: 4, kind: 'future_clock' }]);
  });

  it('lists changes a fork took back, and keeps them only after a confirmation', async () => {
    const { fake } = await attached();
    const q = { device: PEER, label: 'Boris desktop', from_seq: 6, changes: 4, records: 2, voided_at: '2026-11-22T12:00:00.000Z', accepted_at: null };
    fake.nextSyncReport({
      quarantined: [q],
      waiting: [{ device: PEER, label: 'Boris desktop', seq: 7, state: 'quarantined', reason: 'quarantined' }],
    });
    expect(screen.queryByTestId('quarantine')).toBeNull();
    await fireEvent.click(screen.getByTestId('sync-now'));
    expect(await screen.findByTestId('summary-waiting')).toHaveTextContent(
      'Boris desktop wrote two versions of its history, so its updates from number 7 on are not applied',
    );
    const card = await screen.findByTestId('quarantine');
    expect(card).toHaveTextContent('Changes taken back');
    expect(within(card).getByTestId('quarantine-item')).toHaveTextContent(
      'Boris desktop: what it wrote from update 6 on was taken back on',
    );
    expect(within(card).getByTestId('quarantine-item')).toHaveTextContent('(changes: 4, records: 2)');
    // The first press only asks; cancel leaves everything as it was.
    await fireEvent.click(within(card).getByTestId('quarantine-accept'));
    expect(within(card).getByRole('alert')).toHaveTextContent('Keep them as this computer’s own changes?');
    await fireEvent.click(within(card).getByTestId('quarantine-cancel'));
    expect(fake.callsOf('sync_accept_quarantine')).toHaveLength(0);
    await fireEvent.click(within(card).getByTestId('quarantine-accept'));
    await fireEvent.click(within(card).getByTestId('quarantine-confirm'));
    expect(await within(card).findByTestId('quarantine-accepted')).toHaveTextContent('Kept as this computer’s own changes on');
    expect(within(card).queryByTestId('quarantine-accept')).toBeNull();
    expect(fake.callsOf('sync_accept_quarantine')).toEqual([{ device: PEER }]);
  });

  it('says nothing to send when there were no changes, and explains an unreachable share', async () => {
    const { fake } = await attached();
    await fireEvent.click(screen.getByTestId('sync-now'));
    expect(await screen.findByTestId('summary-sent')).toHaveTextContent('Nothing new to send');
    fake.setShareReachable(false);
    await fireEvent.click(screen.getByTestId('sync-now'));
    const error = await screen.findByTestId('error-message');
    expect(error).toHaveAttribute('data-code', 'share_unreachable');
    expect(error).toHaveTextContent('Plug in the USB stick');
    expect(await screen.findByTestId('share-unreachable')).toBeInTheDocument();
  });

  it('makes an invite and shows the text and the passphrase with the two-channel warning', async () => {
    const { fake } = await attached();
    await fireEvent.click(screen.getByTestId('make-invite'));
    expect(await screen.findByTestId('invite-text')).toHaveValue(FAKE_INVITE);
    expect(screen.getByTestId('invite-text')).toHaveAttribute('readonly');
    expect(screen.getByTestId('invite-passphrase')).toHaveTextContent(FAKE_INVITE_PASSPHRASE);
    expect(screen.getByTestId('invite-warning')).toHaveTextContent('two different channels');
    // The words are read out: no Copy button for them. No clipboard in the test browser: Copy
    // selects the invite text instead.
    expect(screen.queryByTestId('copy-passphrase')).toBeNull();
    expect(screen.getByTestId('invite-card')).toHaveTextContent('Read these words out by voice');
    await fireEvent.click(screen.getByTestId('copy-invite'));
    expect(await screen.findByText(/press Ctrl\+C/)).toBeInTheDocument();
    await fireEvent.click(screen.getByTestId('invite-done'));
    expect(screen.queryByTestId('invite-text')).toBeNull();
    expect(fake.callsOf('sync_invite')).toHaveLength(1);
  });

  it('lists a conflict with translated field and values; Keep this resolves and refreshes', async () => {
    let caseId = '';
    const { fake } = await attached({}, (f) => {
      caseId = f.put({ full_name: 'Юрий Жуков', stage: 'vetting' });
      f.addConflict(stageConflict(caseId));
    });
    const conflict = await screen.findByTestId('conflict');
    expect(within(conflict).getByTestId('conflict-field')).toHaveTextContent('Stage');
    expect(conflict).toHaveTextContent(caseId);
    expect(await within(conflict).findByTestId('conflict-case')).toHaveTextContent('Юрий Жуков');
    const values = within(conflict).getAllByTestId('conflict-value');
    expect(values[0]).toHaveTextContent('Vetting');
    expect(values[0]).toHaveTextContent('shown now');
    expect(values[0]).toHaveTextContent('Boris desktop');
    expect(values[1]).toHaveTextContent('Leaving Russia');
    expect(values[1]).toHaveTextContent('Anna laptop (this computer)');
    expect(values[1]).not.toHaveTextContent('shown now');
    const keep = within(values[1]).getByRole('button', { name: 'Keep this for Stage: Leaving Russia' });
    await fireEvent.click(keep);
    await waitFor(() => expect(screen.queryByTestId('conflict')).toBeNull());
    expect(fake.callsOf('conflict_resolve')).toEqual([{ id: 'a1b2c3d4e5f6', keep: 2 }]);
    // Read again after resolving: one overview at start, one after.
    expect(fake.callsOf('sync_overview')).toHaveLength(2);
  });

  it('shows Russian labels', async () => {
    setLanguage('ru');
    let caseId = '';
    await attached({}, (f) => {
      caseId = f.put({ full_name: 'Юрий Жуков' });
      f.addConflict(stageConflict(caseId));
    });
    expect(screen.getByRole('heading', { name: 'Синхронизация' })).toBeInTheDocument();
    expect(screen.getByTestId('sync-now')).toHaveTextContent('Синхронизировать');
    expect(screen.getByRole('heading', { name: 'Устройства группы' })).toBeInTheDocument();
    expect(screen.getByTestId('device-gap')).toHaveTextContent('нет обновления 4');
    expect(screen.getByTestId('conflict-field')).toHaveTextContent('Этап');
    expect(screen.getAllByTestId('conflict-value')[0]).toHaveTextContent('Проверка');
    expect(screen.getAllByRole('button', { name: /^Оставить для поля «Этап»/ })).toHaveLength(2);
    expect(screen.getByTestId('make-invite')).toHaveTextContent('Сделать приглашение');
  });

  it('shows the Russian setup screen too', async () => {
    setLanguage('ru');
    await syncScreen();
    expect(await screen.findByRole('heading', { name: 'Создать новую группу синхронизации' })).toBeInTheDocument();
    expect(screen.getByRole('heading', { name: 'Присоединиться по приглашению' })).toBeInTheDocument();
    expect(screen.getByText(/папка Syncthing или Nextcloud/)).toBeInTheDocument();
  });

  it('forgets conflicts, the report and the invite on lock', async () => {
    const { app } = await attached();
    await fireEvent.click(screen.getByTestId('make-invite'));
    await screen.findByTestId('invite-text');
    await app.session.lock();
    expect(app.sync.overview).toBeNull();
    expect(app.sync.invite).toBeNull();
    expect(app.sync.report).toBeNull();
  });
});
