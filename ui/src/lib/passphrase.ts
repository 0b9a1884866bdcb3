/**
 * A passphrase strength hint from length and character classes. It advises; only a
 * passphrase shorter than `MIN_LENGTH` is refused.
 */

export const MIN_LENGTH = 8;
export const GOOD_LENGTH = 12;

export type Strength = 'too_short' | 'weak' | 'fair' | 'strong';

export interface StrengthHint {
  strength: Strength;
  length: number;
  classes: number;
  /** Acceptable for a vault (not too short). */
  acceptable: boolean;
}

export function characterClasses(p: string): number {
  let lower = false;
  let upper = false;
  let digit = false;
  let other = false;
  for (const ch of p) {
    if (/\p{Ll}/u.test(ch)) lower = true;
    else if (/\p{Lu}/u.test(ch)) upper = true;
    else if (/\p{Nd}/u.test(ch)) digit = true;
    else other = true;
  }
  return [lower, upper, digit, other].filter(Boolean).length;
}

export function strengthOf(p: string): StrengthHint {
  const length = [...p].length;
  const classes = characterClasses(p);
  let strength: Strength;
  if (length < MIN_LENGTH) strength = 'too_short';
  else if (length < GOOD_LENGTH) strength = 'weak';
  else if (length >= 20 || (length >= 16 && classes >= 2) || classes >= 3) strength = 'strong';
  else strength = 'fair';
  return { strength, length, classes, acceptable: length >= MIN_LENGTH };
}
