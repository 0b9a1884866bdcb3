/**
 * The case list: query, filters and sort, and a cache of windows of `PAGE` rows fetched
 * through `cases_query` as the virtual list scrolls. Never loads every case: only the windows
 * around what is on screen, at most `MAX_WINDOWS` of them.
 *
 * With a search query the shell returns the best matches in one answer (`total` = rows
 * returned), so a search is one request of `SEARCH_LIMIT` rows.
 */
import { SvelteMap } from 'svelte/reactivity';
import type { Backend } from '../ipc';
import { toIpcError, type CaseFilter, type CaseSummary, type IpcError, type Sort } from '../types';

export const PAGE = 100;
export const SEARCH_LIMIT = 200;
export const SEARCH_DEBOUNCE_MS = 30;
export const MAX_WINDOWS = 12;

export const NO_FILTER: CaseFilter = { stage: null, country: null, riskLevel: null, due: null };

export class CaseList {
  /** What is in the search box. */
  query = $state('');
  /** The query of the rows shown (the box, after the debounce). */
  activeQuery = $state('');
  filter = $state<CaseFilter>({ ...NO_FILTER });
  sort = $state<Sort>('updated');
  total = $state(0);
  /** The current query/filter/sort has had its first answer. */
  loaded = $state(false);
  error = $state.raw<IpcError | null>(null);
  /** Keyboard selection (row index), -1 for none. */
  selected = $state(-1);
  /** Bumped when the list starts over, so the view scrolls back to the top. */
  resets = $state(0);

  private readonly windows = new SvelteMap<number, CaseSummary[]>();
  /** Windows loaded for the current generation (older ones stay on screen until replaced). */
  private readonly fresh = new Set<number>();
  private readonly pending = new Set<number>();
  private generation = 0;
  private range: [number, number] = [0, PAGE];
  private timer: ReturnType<typeof setTimeout> | undefined;
  private readonly backend: Backend;
  private readonly onError: (e: IpcError) => void;

  constructor(backend: Backend, onError: (e: IpcError) => void = () => {}) {
    this.backend = backend;
    this.onError = onError;
  }

  get searching(): boolean {
    return this.activeQuery.trim() !== '';
  }

  /** The row at `index`, or undefined while its window loads. */
  rowAt(index: number): CaseSummary | undefined {
    return this.windows.get(Math.floor(index / PAGE))?.[index % PAGE];
  }

  /** How many windows are cached (for tests and the memory bound). */
  get cachedWindows(): number {
    return this.windows.size;
  }

  /** Search-as-you-type: the query runs `SEARCH_DEBOUNCE_MS` after the last keystroke. */
  setQuery(q: string): void {
    this.query = q;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (this.query !== this.activeQuery) {
        this.activeQuery = this.query;
        this.restart();
      }
    }, SEARCH_DEBOUNCE_MS);
  }

  clearQuery(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.query = '';
    if (this.activeQuery !== '') {
      this.activeQuery = '';
      this.restart();
    }
  }

  setFilter(patch: Partial<CaseFilter>): void {
    this.filter = { ...this.filter, ...patch };
    this.restart();
  }

  setSort(sort: Sort): void {
    this.sort = sort;
    this.restart();
  }

  /** The first load, or a fresh one when the list is shown again (data may have changed). */
  refresh(): void {
    if (!this.loaded) {
      this.restart();
      return;
    }
    this.generation++;
    this.pending.clear();
    this.fresh.clear();
    this.ensureRange(this.range[0], this.range[1]);
  }

  /** Makes sure the rows `start..end` (end exclusive) are loaded or loading. */
  ensureRange(start: number, end: number): void {
    this.range = [start, Math.max(start, end)];
    if (this.searching) {
      if (!this.fresh.has(0) && !this.pending.has(0)) this.loadWindow(0);
      return;
    }
    const first = Math.floor(start / PAGE);
    const last = Math.max(first, Math.floor((Math.max(end, start + 1) - 1) / PAGE));
    for (let w = first; w <= last; w++) {
      if (w > 0 && w * PAGE >= this.total) break;
      if (!this.fresh.has(w) && !this.pending.has(w)) this.loadWindow(w);
    }
  }

  /** Forgets every row and the query (on lock). */
  clear(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.generation++;
    this.windows.clear();
    this.fresh.clear();
    this.pending.clear();
    this.query = '';
    this.activeQuery = '';
    this.filter = { ...NO_FILTER };
    this.sort = 'updated';
    this.total = 0;
    this.loaded = false;
    this.error = null;
    this.selected = -1;
    this.range = [0, PAGE];
  }

  private restart(): void {
    this.generation++;
    this.pending.clear();
    this.fresh.clear();
    this.loaded = false;
    this.selected = -1;
    this.range = [0, PAGE];
    this.resets++;
    this.loadWindow(0);
  }

  private async loadWindow(w: number): Promise<void> {
    const generation = this.generation;
    const searching = this.searching;
    this.pending.add(w);
    try {
      const page = await this.backend.casesQuery({
        query: searching ? this.activeQuery.trim() : '',
        filter: { ...this.filter },
        sort: this.sort,
        offset: searching ? 0 : w * PAGE,
        limit: searching ? SEARCH_LIMIT : PAGE,
      });
      if (generation !== this.generation) return;
      if (this.fresh.size === 0) this.windows.clear();
      if (searching) {
        for (let i = 0; i * PAGE < page.rows.length; i++) {
          this.windows.set(i, page.rows.slice(i * PAGE, (i + 1) * PAGE));
          this.fresh.add(i);
        }
        if (page.rows.length === 0) this.fresh.add(0);
      } else {
        this.windows.set(w, page.rows);
        this.fresh.add(w);
      }
      this.total = page.total;
      this.loaded = true;
      this.error = null;
      if (this.selected >= this.total) this.selected = this.total - 1;
      this.evict();
    } catch (e) {
      if (generation !== this.generation) return;
      const err = toIpcError(e);
      this.error = err;
      this.onError(err);
    } finally {
      if (generation === this.generation) this.pending.delete(w);
    }
  }

  /** Keeps at most `MAX_WINDOWS` windows: drops those farthest from what is on screen. */
  private evict(): void {
    if (this.windows.size <= MAX_WINDOWS) return;
    const centre = (this.range[0] + this.range[1]) / 2 / PAGE;
    const byDistance = [...this.windows.keys()].sort((a, b) => Math.abs(b - centre) - Math.abs(a - centre));
    for (const w of byDistance.slice(0, this.windows.size - MAX_WINDOWS)) {
      this.windows.delete(w);
      this.fresh.delete(w);
    }
  }
}
