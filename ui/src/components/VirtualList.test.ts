import { fireEvent, render, screen } from '@testing-library/svelte';
import { createRawSnippet } from 'svelte';
import { describe, expect, it } from 'vitest';
import VirtualList from './VirtualList.svelte';

const row = createRawSnippet((index: () => number) => ({
  render: () => `<div data-testid="row">${index()}</div>`,
}));

describe('VirtualList', () => {
  it('renders only the rows in view plus overscan, and reports the range', async () => {
    const ranges: [number, number][] = [];
    render(VirtualList, {
      props: { count: 100_000, rowHeight: 50, overscan: 5, fallbackHeight: 500, label: 'rows', row, onrange: (s: number, e: number) => ranges.push([s, e]), testid: 'vl' },
    });
    expect(screen.getAllByTestId('row')).toHaveLength(15);
    expect(ranges.at(-1)).toEqual([0, 15]);
    const viewport = screen.getByTestId('vl');
    Object.defineProperty(viewport, 'scrollTop', { configurable: true, value: 50 * 1000 });
    await fireEvent.scroll(viewport);
    const shown = screen.getAllByTestId('row').map((r) => Number(r.textContent));
    expect(shown[0]).toBe(995);
    expect(shown.at(-1)).toBe(1014);
    expect(ranges.at(-1)).toEqual([995, 1015]);
  });
});
