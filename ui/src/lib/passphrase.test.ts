import { describe, expect, it } from 'vitest';
import { strengthOf } from './passphrase';

describe('passphrase strength hint', () => {
  it('refuses under 8 characters, warns under 12, and likes long mixed phrases', () => {
    expect(strengthOf('short')).toMatchObject({ strength: 'too_short', acceptable: false });
    expect(strengthOf('eightch8')).toMatchObject({ strength: 'weak', acceptable: true });
    expect(strengthOf('twelvecharsx')).toMatchObject({ strength: 'fair', classes: 1 });
    expect(strengthOf('Twelve chars')).toMatchObject({ strength: 'strong', classes: 3 });
    expect(strengthOf('тихий берег зелёной реки')).toMatchObject({ strength: 'strong' });
  });

  it('counts Cyrillic letters as letters of their case', () => {
    expect(strengthOf('Пароль1!').classes).toBe(4);
  });
});
