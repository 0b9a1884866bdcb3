import { describe, expect, it } from 'vitest';
import { addDays, isDueSoon, isIsoDate, isOverdue } from './dates';

describe('due dates', () => {
  it('knows real calendar dates', () => {
    expect(isIsoDate('2024-02-29')).toBe(true);
    expect(isIsoDate('2026-02-29')).toBe(false);
    expect(isIsoDate('2026-1-01')).toBe(false);
  });

  it('marks overdue before today and due-soon within a week', () => {
    const today = '2026-11-23';
    expect(isOverdue('2026-11-22', today)).toBe(true);
    expect(isOverdue('2026-11-23', today)).toBe(false);
    expect(isOverdue(null, today)).toBe(false);
    expect(isDueSoon('2026-11-30', today)).toBe(true);
    expect(isDueSoon('2026-12-01', today)).toBe(false);
    expect(addDays('2026-12-28', 7)).toBe('2027-01-04');
  });
});
