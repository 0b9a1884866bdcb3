import { afterEach, describe, expect, it, vi } from 'vitest';
import { FakeBackend } from '../fakeBackend';
import { CaseList, MAX_WINDOWS, PAGE, SEARCH_DEBOUNCE_MS, SEARCH_LIMIT } from './caseList.svelte';

async function settle() {
  for (let i = 0; i < 5; i++) await Promise.resolve();
  await new Promise((r) => setTimeout(r, 0));
}

function listOf(n: number) {
  const fake = new FakeBackend({ unlocked: true });
  fake.seed(n);
  const list = new CaseList(fake);
  const queries = () => fake.callsOf('cases_query') as { query: string; offset: number; limit: number }[];
  return { fake, list, queries };
}

describe('case list paging', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('loads the first window of 100 and learns the total', async () => {
    const { list, queries } = listOf(1234);
    list.refresh();
    await settle();
    expect(queries()).toEqual([expect.objectContaining({ query: '', offset: 0, limit: PAGE })]);
    expect(list.total).toBe(1234);
    expect(list.rowAt(0)).toBeDefined();
    expect(list.rowAt(100)).toBeUndefined();
  });

  it('fetches each window of a range once, with the right offsets, never past the end', async () => {
    const { list, queries } = listOf(1234);
    list.refresh();
    await settle();
    list.ensureRange(180, 230);
    list.ensureRange(180, 230);
    await settle();
    expect(queries().map((q) => q.offset)).toEqual([0, 100, 200]);
    list.ensureRange(1190, 1300);
    await settle();
    expect(queries().map((q) => q.offset)).toEqual([0, 100, 200, 1100, 1200]);
    expect(list.rowAt(1233)).toBeDefined();
  });

  it('keeps a bounded number of windows while scrolling through 20,000 cases', async () => {
    const { list } = listOf(20_000);
    list.refresh();
    await settle();
    for (let start = 0; start < 20_000; start += 700) {
      list.ensureRange(start, start + 30);
      await settle();
    }
    expect(list.cachedWindows).toBeLessThanOrEqual(MAX_WINDOWS);
    expect(list.rowAt(19_600)).toBeDefined();
  });

  it('debounces search-as-you-type and asks once for the last text', async () => {
    vi.useFakeTimers();
    const { list, queries } = listOf(300);
    list.refresh();
    await vi.runAllTimersAsync();
    const before = queries().length;
    list.setQuery('а');
    list.setQuery('ал');
    list.setQuery('алексей');
    vi.advanceTimersByTime(SEARCH_DEBOUNCE_MS - 1);
    expect(queries()).toHaveLength(before);
    vi.advanceTimersByTime(1);
    await vi.runAllTimersAsync();
    expect(queries()).toHaveLength(before + 1);
    expect(queries().at(-1)).toMatchObject({ query: 'алексей', offset: 0, limit: SEARCH_LIMIT });
    expect(list.searching).toBe(true);
    expect(list.total).toBe(30); // one generated name in ten is "Алексей"
    expect(list.rowAt(0)?.full_name).toMatch(/^Алексей/);
  });

  it('Esc-style clearing goes back to the whole list at once', async () => {
    vi.useFakeTimers();
    const { list, queries } = listOf(300);
    list.setQuery('pavel');
    await vi.runAllTimersAsync();
    expect(list.total).toBe(30);
    list.clearQuery();
    await vi.runAllTimersAsync();
    expect(queries().at(-1)).toMatchObject({ query: '', offset: 0, limit: PAGE });
    expect(list.total).toBe(300);
  });

  it('drops answers that arrive after the filter changed', async () => {
    const { list } = listOf(300);
    list.refresh();
    list.setFilter({ country: 'AM' });
    await settle();
    expect(list.total).toBe(50);
    expect(list.filter.country).toBe('AM');
  });
});
