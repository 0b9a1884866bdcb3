import { describe, expect, it } from 'vitest';
import { setLanguage } from './i18n/index.svelte';
import { alarmText, conflictFieldLabel, conflictValueText, deviceName } from './syncText';
import type { SyncDevice } from './types';

const ME: SyncDevice = {
  device: 'a1b2c3d4e5f60718293a4b5c6d7e8f90',
  label: 'Anna laptop',
  this_device: true,
  seq: 2,
  share_seq: 2,
  last_heard: null,
  last_written: null,
  gap: null,
  reads: 2,
};

describe('sync words', () => {
  it('label conflict fields as the case screens do', () => {
    expect(conflictFieldLabel('case', 'stage')).toBe('Stage');
    expect(conflictFieldLabel('case', 'full_name_latin')).toBe('Full name (Latin)');
    expect(conflictFieldLabel('task', 'due')).toBe('Due date');
    expect(conflictFieldLabel('task', 'title')).toBe('Task');
    expect(conflictFieldLabel('event', 'kind')).toBe('What happened');
    expect(conflictFieldLabel('note', 'body')).toBe('Note');
    expect(conflictFieldLabel('case', 'deleted')).toBe('Deleted');
    expect(conflictFieldLabel('case', 'from_the_future')).toBe('from_the_future');
    setLanguage('ru');
    expect(conflictFieldLabel('case', 'risk_level')).toBe('Уровень риска');
  });

  it('show values in words: codes, countries, dates, lists, flags and empties', () => {
    expect(conflictValueText('case', 'stage', 'transit_stay')).toBe('Transit stay');
    expect(conflictValueText('case', 'risk_level', 'high')).toBe('High');
    expect(conflictValueText('case', 'country', 'GE')).toBe('Georgia');
    expect(conflictValueText('case', 'birth_date', '1990-05-31')).toBe('31 May 1990');
    expect(conflictValueText('case', 'city', null)).toBe('(empty)');
    expect(conflictValueText('case', 'aliases', '["Vanya","Ivan"]')).toBe('Vanya; Ivan');
    expect(conflictValueText('case', 'citizenship', '["RU","AM"]')).toBe('Russia; Armenia');
    expect(conflictValueText('case', 'risk_flags', '["travel_ban"]')).toBe('Travel ban');
    expect(conflictValueText('case', 'contacts', '[{"channel":"signal","value":"@ivan"}]')).toBe('Signal: @ivan');
    expect(conflictValueText('case', 'documents', '[{"kind":"military_id","status":"held","number":"AB 1"}]')).toBe(
      'Military ID — Held (AB 1)',
    );
    expect(conflictValueText('case', 'family', '[{"name":"Мария","relation":"wife"}]')).toBe('Мария (wife)');
    expect(conflictValueText('task', 'done', 1)).toBe('Done');
    expect(conflictValueText('task', 'done', 0)).toBe('Not done');
    expect(conflictValueText('note', 'deleted', 1)).toBe('Deleted');
    expect(conflictValueText('event', 'kind', 'border_crossing')).toBe('Border crossing');
    expect(conflictValueText('case', 'full_name', '[not json')).toBe('[not json');
  });

  it('name devices by label, this computer, or short id, and explain alarms', () => {
    expect(deviceName(ME.device, '', [ME])).toBe('Anna laptop (this computer)');
    expect(deviceName('0c1d2e3f405162738495a6b7c8d9eaf1', '', [ME])).toBe('device 0c1d2e3f');
    expect(deviceName('0c1d2e3f405162738495a6b7c8d9eaf1', 'Boris', [ME])).toBe('Boris');
    const fork = { device: '0c1d2e3f405162738495a6b7c8d9eaf1', seq: 3, kind: 'fork', detail: '', first_seen: '' };
    expect(alarmText(fork, [ME])).toMatch(/^Device “device 0c1d2e3f” wrote two different versions of the same update/);
    expect(alarmText({ ...fork, kind: 'vault_older_than_share' }, [ME])).toMatch(/restored from an old copy/);
    expect(alarmText({ ...fork, kind: 'key_changed' }, [ME])).toMatch(/different signature/);
    expect(alarmText({ ...fork, kind: 'refused' }, [ME])).toMatch(/^Update number 3 of device “device 0c1d2e3f” breaks/);
    expect(alarmText({ ...fork, kind: 'own_delta_replaced' }, [ME])).toMatch(/a copy of this vault/);
    expect(alarmText({ ...fork, kind: 'unsendable' }, [ME])).toMatch(/was not sent/);
    expect(alarmText({ ...fork, kind: 'new_identity' }, [ME])).toMatch(/now syncs as a new device/);
    expect(alarmText({ ...fork, kind: 'future_clock' }, [ME])).toMatch(/^Update number 3 of device “device 0c1d2e3f” is dated far in the future/);
    expect(alarmText({ ...fork, kind: 'old_version' }, [ME])).toMatch(/^Device “device 0c1d2e3f” runs an older version of Casebook/);
    expect(alarmText({ ...fork, kind: 'partner_key_unconfirmed' }, [ME])).toMatch(/^Device “device 0c1d2e3f” added a partner’s key/);
    expect(alarmText({ ...fork, kind: 'blob_refused' }, [ME])).toMatch(/^A file that device “device 0c1d2e3f” attached arrived changed/);
    expect(alarmText({ ...fork, kind: 'from_the_moon' }, [ME])).toMatch(/Tell your coordinator/);
  });
});
