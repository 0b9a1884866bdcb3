import { describe, expect, it } from 'vitest';
import {
  AGE_KEY_LENGTH,
  profileText,
  defaultExportPath,
  formatBytes,
  isAgeKey,
  parseRecipients,
  profileKey,
  selectionOfFilter,
} from './exchange';
import { en } from './i18n/en';
import { ru } from './i18n/ru';
import { EXPORT_PROFILES } from './types';
import { NO_FILTER } from './state/caseList.svelte';

// A real age X25519 public key (from age's own test vectors) and one of this app's fake.
const KEY = 'age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p';
const KEY2 = 'age1qpzry9x8gf2tvdw0s3jn54khce6mua7lqpzry9x8gf2tvdw0s3jn54khce';

describe('age public keys', () => {
  it('accept age1 and 58 bech32 characters, in any case, trimmed', () => {
    expect(KEY).toHaveLength(AGE_KEY_LENGTH);
    expect(isAgeKey(KEY)).toBe(true);
    expect(isAgeKey(`  ${KEY.toUpperCase()} `)).toBe(true);
    expect(isAgeKey(KEY.slice(0, -1))).toBe(false); // one short
    expect(isAgeKey(`${KEY}q`)).toBe(false); // one long
    expect(isAgeKey(KEY.replace('ql3', 'qb3'))).toBe(false); // b is not bech32
    expect(isAgeKey(KEY.replace('age1', 'age2'))).toBe(false);
    expect(isAgeKey('AGE-SECRET-KEY-1QQQ')).toBe(false);
    expect(isAgeKey('')).toBe(false);
  });

  it('split a paste into keys (one per line, spaces or commas), each once, and name what is not a key', () => {
    expect(parseRecipients(`${KEY}\n\n${KEY2}, ${KEY}`)).toEqual({ keys: [KEY, KEY2], bad: [] });
    const parsed = parseRecipients(`${KEY} age1tooshort AGE-SECRET-KEY-1ABCDEFGHIJKLMNOPQRSTUVWXYZ`);
    expect(parsed.keys).toEqual([KEY]);
    expect(parsed.bad).toEqual(['age1tooshort', 'AGE-SECRET-KEY-1ABCD…']);
    expect(parseRecipients('  ')).toEqual({ keys: [], bad: [] });
  });
});

describe('export helpers', () => {
  it('suggest a file in the home folder named by the day', () => {
    expect(defaultExportPath('2026-11-23')).toBe('~/casebook-export-2026-11-23.age');
  });

  it('turn a filter of one stage or one country into a selection, anything else needs ids', () => {
    expect(selectionOfFilter(NO_FILTER, '')).toEqual({ kind: 'all' });
    expect(selectionOfFilter({ ...NO_FILTER, stage: 'vetting' }, '')).toEqual({ kind: 'stage', stage: 'vetting' });
    expect(selectionOfFilter({ ...NO_FILTER, country: 'GE' }, ' ')).toEqual({ kind: 'country', country: 'GE' });
    expect(selectionOfFilter({ ...NO_FILTER, stage: 'vetting', country: 'GE' }, '')).toBeNull();
    expect(selectionOfFilter({ ...NO_FILTER, riskLevel: 'high' }, '')).toBeNull();
    expect(selectionOfFilter({ ...NO_FILTER, due: 'week' }, '')).toBeNull();
    expect(selectionOfFilter(NO_FILTER, 'yuri')).toBeNull();
  });

  it('write sizes in the language', () => {
    expect(formatBytes(512, 'en-GB')).toBe('512 bytes');
    expect(formatBytes(48 * 1024, 'en-GB')).toBe('48 kB');
    expect(formatBytes(1.25 * 1024 * 1024, 'en-GB')).toBe('1.3 MB');
    expect(formatBytes(1.25 * 1024 * 1024, 'ru-RU').replace(/\s/g, ' ')).toBe('1,3 МБ');
  });

  it('describe every profile in both languages, and name them', () => {
    for (const profile of EXPORT_PROFILES) {
      const text = profileText(profile);
      const key = profileKey(profile);
      expect(key).not.toBeNull();
      for (const k of [key as string, text.use, ...text.sees, ...text.removes]) {
        expect(en[k as keyof typeof en], k).toBeTruthy();
        expect(ru[k as keyof typeof ru], k).toBeTruthy();
      }
      expect(text.sees.length).toBeGreaterThan(0);
      expect(text.removes.length).toBeGreaterThan(0);
    }
    expect(profileKey('from-the-future')).toBeNull();
  });

  it('says what each profile does from the core’s redaction table, the city only when asked', () => {
    const noId = profileText('no-identity');
    expect(noId.removes).toContain('export.class.identity');
    expect(noId.removes).toContain('export.class.place');
    expect(noId.removes).toContain('export.class.staff');
    expect(noId.sees).toContain('export.class.case_core');
    expect(profileText('no-identity', true).sees).toContain('export.class.place');
    expect(profileText('full').removes).toEqual(['export.removes.nothing']);
    expect(profileText('summary').sees).toEqual(['export.class.case_core']);
  });
});
