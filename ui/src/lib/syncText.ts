/**
 * Words for what sync reports: conflict fields and values as the case screens show them
 * (translated field labels, vocabulary labels, country names, dates), device names, and
 * alarms explained for a volunteer. Pure functions over the catalogs.
 */
import { countryName, formatDate, hasKey, label, t, type MessageKey } from './i18n/index.svelte';
import type { VocabName } from './vocab';
import type { SyncAlarm, SyncDevice, SyncWaiting } from './types';

/** Fields whose stored value is a vocabulary code. */
const CODE_FIELDS: Record<string, VocabName> = {
  'case.category': 'category',
  'case.stage': 'stage',
  'case.risk_level': 'risk_level',
  'event.kind': 'event_kind',
};

const DATE_FIELDS = new Set(['case.birth_date', 'task.due', 'event.date']);

/** Field labels of the records that are not a case (a case's fields use `field.<name>`). */
const OTHER_FIELDS: Record<string, MessageKey> = {
  'task.title': 'conflict.field.task_title',
  'task.due': 'task.due',
  'task.done': 'conflict.field.task_done',
  'event.date': 'event.date',
  'event.kind': 'event.kind',
  'event.text': 'event.text',
  'note.body': 'conflict.field.note_body',
};

/** "Stage", "Due date", ...: the label the case screens use for this field. */
export function conflictFieldLabel(record: string, field: string): string {
  if (field === 'deleted') return t('conflict.field.deleted');
  const key = `${record}.${field}`;
  if (record === 'case' && hasKey(`field.${field}`)) return t(`field.${field}` as MessageKey);
  if (key in OTHER_FIELDS) return t(OTHER_FIELDS[key]);
  return field;
}

/** "Case", "Task", "Event", "Note". */
export function recordLabel(record: string): string {
  const key = `conflict.record.${record}`;
  return hasKey(key) ? t(key as MessageKey) : record;
}

function parsed(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  const s = value.trim();
  if (!s.startsWith('[') && !s.startsWith('{')) return value;
  try {
    return JSON.parse(s) as unknown;
  } catch {
    return value;
  }
}

function str(v: unknown): string {
  return typeof v === 'string' ? v : v === null || v === undefined ? '' : JSON.stringify(v);
}

function listItem(field: string, item: unknown): string {
  if (item === null || typeof item !== 'object') {
    const s = str(item);
    if (field === 'citizenship') return countryName(s);
    if (field === 'risk_flags') return label('risk_flag', s);
    return s;
  }
  const o = item as Record<string, unknown>;
  switch (field) {
    case 'contacts':
      return `${label('contact_channel', str(o.channel))}: ${str(o.value)}`;
    case 'documents': {
      const base = `${label('document_kind', str(o.kind))} — ${label('document_status', str(o.status))}`;
      return o.number ? `${base} (${str(o.number)})` : base;
    }
    case 'family': {
      const extra = [str(o.relation), o.birth_date ? formatDate(str(o.birth_date)) : ''].filter(Boolean).join(', ');
      return extra ? `${str(o.name)} (${extra})` : str(o.name);
    }
    default:
      return JSON.stringify(item);
  }
}

/** A competing value in words: "Vetting", "Armenia", "5 Nov 2026", "Signal: @ivan; Phone: +995…". */
export function conflictValueText(record: string, field: string, value: unknown): string {
  if (value === null || value === undefined || value === '') return t('conflict.empty');
  const key = `${record}.${field}`;
  if (field === 'deleted') return Number(value) ? t('conflict.value.deleted') : t('conflict.value.not_deleted');
  if (key === 'task.done') return Number(value) ? t('conflict.value.done') : t('conflict.value.not_done');
  if (key in CODE_FIELDS) return label(CODE_FIELDS[key], str(value));
  if (key === 'case.country') return countryName(str(value));
  if (DATE_FIELDS.has(key)) return formatDate(str(value));
  const v = parsed(value);
  if (Array.isArray(v)) return v.length ? v.map((item) => listItem(field, item)).join('; ') : t('conflict.empty');
  return str(v);
}

/** The first 8 hex digits of a device id, as the devices table shows it. */
export function shortId(device: string): string {
  return device.slice(0, 8);
}

/** A device by its label, or by its short id when it has none. */
export function deviceName(device: string, labelText: string | null | undefined, devices: SyncDevice[] = []): string {
  const known = devices.find((d) => d.device === device);
  const name = (labelText || known?.label || '').trim();
  if (known?.this_device) return name ? t('sync.this_device_named', { name }) : t('sync.this_device');
  return name || t('sync.device_unnamed', { id: shortId(device) });
}

/** Why a device's updates wait, in words for a volunteer (the core's detail goes under "details"). */
export function waitingText(w: SyncWaiting, devices: SyncDevice[]): string {
  const device = deviceName(w.device, w.label, devices);
  switch (w.state) {
    case 'newer_version':
      return t('sync.waiting.newer_version', { device, seq: w.seq });
    case 'other_version':
      return t('sync.waiting.other_version', { device, seq: w.seq });
    case 'refused':
      return t('sync.waiting.refused', { device, seq: w.seq });
    case 'deferred':
      return t('sync.waiting.deferred', { device, seq: w.seq });
    case 'no_record':
      return t('sync.waiting.no_record', { device });
    case 'quarantined':
      return t('sync.waiting.quarantined', { device, seq: w.seq });
    default:
      return t('sync.summary_waiting', { device, seq: w.seq });
  }
}

/** An alarm explained for a volunteer (the core's English detail goes under "details"). */
export function alarmText(alarm: SyncAlarm, devices: SyncDevice[]): string {
  const device = deviceName(alarm.device, null, devices);
  switch (alarm.kind) {
    case 'fork':
      return t('alarm.fork', { device, seq: alarm.seq });
    case 'key_changed':
      return t('alarm.key_changed', { device });
    case 'vault_older_than_share':
      return t('alarm.vault_older_than_share', { seq: alarm.seq });
    case 'own_delta_replaced':
      return t('alarm.own_delta_replaced', { seq: alarm.seq });
    case 'refused':
      return t('alarm.refused', { device, seq: alarm.seq });
    case 'unsendable':
      return t('alarm.unsendable', { seq: alarm.seq });
    case 'new_identity':
      return t('alarm.new_identity');
    case 'future_clock':
      return t('alarm.future_clock', { device, seq: alarm.seq });
    case 'old_version':
      return t('alarm.old_version', { device });
    case 'partner_key_unconfirmed':
      return t('alarm.partner_key_unconfirmed', { device });
    case 'blob_refused':
      return t('alarm.blob_refused', { device });
    case 'removed':
    case 'reenrol':
    case 'invite_reused':
    case 'recovery_used':
    case 'revocation_cycle':
      return t(`alarm.${alarm.kind}`);
    default:
      return t('alarm.other', { device });
  }
}
