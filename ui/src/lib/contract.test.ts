/**
 * The UI against the core's contract (`generated/model.json`, written from `src/contract.rs`
 * and kept current by `tests/contract.rs`): every error code the core reports reaches the UI
 * as a code it knows, and the UI's vocabularies are the contract's.
 */
import { describe, expect, it } from 'vitest';
import model from './generated/model.json';
import { ERROR_CODES } from './types';
import { COUNTRIES, VOCABS } from './vocab';
import { en } from './i18n/en';

describe('the contract with the core', () => {
  it('knows every error code the core reports', () => {
    // The shell turns `cancelled` (a command stopped by the lock) into `locked`.
    const shellMapped: Record<string, string> = { cancelled: 'locked' };
    for (const code of model.error_codes) {
      expect(ERROR_CODES).toContain(shellMapped[code] ?? code);
    }
  });

  it('labels every code of every vocabulary in the catalog', () => {
    const keys = en as Record<string, string>;
    for (const [name, codes] of Object.entries(VOCABS)) {
      expect(codes.length).toBeGreaterThan(0);
      for (const code of codes) expect(keys[`vocab.${name}.${code}`], `vocab.${name}.${code}`).toBeTruthy();
    }
    expect(COUNTRIES).toContain('AM');
    expect(COUNTRIES.length).toBe(model.countries.length);
  });
});
