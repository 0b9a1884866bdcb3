import { fireEvent, screen, waitFor } from '@testing-library/svelte';
import { describe, expect, it } from 'vitest';
import { openApp, renderWith } from '../test/helpers';
import { setLanguage } from '../lib/i18n/index.svelte';
import CaseList from './CaseList.svelte';

async function listOf(n: number) {
  const made = await openApp();
  made.fake.seed(n);
  const view = renderWith(CaseList, made.app);
  await waitFor(() => expect(screen.getAllByTestId('case-row').length).toBeGreaterThan(5));
  return { ...made, view };
}

const queries = (fake: { callsOf(c: string): unknown[] }) =>
  fake.callsOf('cases_query') as { query: string; offset: number; limit: number }[];

describe('case list', () => {
  it('renders only a window of rows for 20,000 cases and shows the count', async () => {
    const { fake, view } = await listOf(20_000);
    expect(view.container.querySelectorAll('[data-testid="case-row"]').length).toBeLessThan(100);
    expect(screen.getByTestId('case-count')).toHaveTextContent('20,000 cases');
    expect(queries(fake).every((q) => q.limit <= 100)).toBe(true);
  });

  it('counts in Russian with plural forms', async () => {
    setLanguage('ru');
    await listOf(20_000);
    expect(screen.getByTestId('case-count').textContent?.replace(/\s/g, ' ')).toBe('20 000 дел');
  });

  it('loads the window of rows scrolled to', async () => {
    const { fake } = await listOf(20_000);
    const viewport = screen.getByTestId('case-rows');
    Object.defineProperty(viewport, 'scrollTop', { configurable: true, value: 56 * 5000 });
    await fireEvent.scroll(viewport);
    await waitFor(() => expect(queries(fake).some((q) => q.offset === 5000 && q.limit === 100)).toBe(true));
    await waitFor(() => expect(screen.getAllByTestId('case-row')[0]).toHaveAttribute('id', expect.stringMatching(/^case-row-49\d\d$/)));
    expect(screen.getAllByTestId('case-row').length).toBeLessThan(100);
  });

  it('searches as you type and replaces the rows with the matches', async () => {
    const { fake } = await listOf(300);
    await fireEvent.input(screen.getByTestId('search'), { target: { value: 'pavel' } });
    await waitFor(() => expect(screen.getByTestId('case-count')).toHaveTextContent('30 matches'));
    expect(queries(fake).at(-1)).toMatchObject({ query: 'pavel', offset: 0 });
    for (const row of screen.getAllByTestId('case-row')) expect(row).toHaveTextContent(/Павел/);
  });

  it('moves the selection with the arrow keys and opens the case with Enter', async () => {
    const { app } = await listOf(50);
    const search = screen.getByTestId('search');
    await fireEvent.keyDown(search, { key: 'ArrowDown' });
    await fireEvent.keyDown(search, { key: 'ArrowDown' });
    await fireEvent.keyDown(search, { key: 'ArrowUp' });
    await fireEvent.keyDown(search, { key: 'ArrowDown' });
    expect(app.cases.selected).toBe(1);
    expect(screen.getAllByTestId('case-row')[1]).toHaveAttribute('aria-selected', 'true');
    const id = app.cases.rowAt(1)?.id;
    await fireEvent.keyDown(search, { key: 'Enter' });
    expect(app.route).toEqual({ name: 'case', id });
  });

  it('focuses the search with "/" and Ctrl+K, and clears it with Esc', async () => {
    const { app } = await listOf(50);
    const search = screen.getByTestId('search') as HTMLInputElement;
    search.blur();
    await fireEvent.keyDown(document.body, { key: '/' });
    expect(document.activeElement).toBe(search);
    search.blur();
    await fireEvent.keyDown(document.body, { key: 'k', ctrlKey: true });
    expect(document.activeElement).toBe(search);
    await fireEvent.input(search, { target: { value: 'pavel' } });
    await waitFor(() => expect(app.cases.searching).toBe(true));
    await fireEvent.keyDown(search, { key: 'Escape' });
    expect(app.cases.query).toBe('');
    await waitFor(() => expect(screen.getByTestId('case-count')).toHaveTextContent('50 cases'));
  });

  it('filters by stage and shows overdue dates in red', async () => {
    const { fake, app } = await openApp();
    fake.put({ full_name: 'Overdue person', stage: 'vetting', tasks: [{ id: 't1', title: 'x', due: '2026-11-01', done: false }] });
    fake.put({ full_name: 'Other person', stage: 'closed' });
    renderWith(CaseList, app);
    await waitFor(() => expect(screen.getAllByTestId('case-row')).toHaveLength(2));
    await fireEvent.change(screen.getByTestId('filter-stage'), { target: { value: 'vetting' } });
    await waitFor(() => expect(screen.getAllByTestId('case-row')).toHaveLength(1));
    expect(queries(fake).at(-1)).toMatchObject({ filter: { stage: 'vetting', country: null, riskLevel: null, due: null } });
    expect(screen.getByTestId('row-due')).toHaveClass('overdue');
  });

  it('lists Armenia, Georgia and Kazakhstan first in the country filter', async () => {
    await listOf(10);
    const options = [...(screen.getByTestId('filter-country') as HTMLSelectElement).options].map((o) => o.value);
    expect(options.slice(0, 4)).toEqual(['', 'AM', 'GE', 'KZ']);
    expect(options.length).toBe(250);
  });
});
