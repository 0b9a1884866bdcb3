/**
 * The app's state as one object made from a `Backend`: session, settings, case list, the open
 * case, drafts, sync and the current screen. Screens get it from Svelte context (`getApp()`), so a
 * test mounts any screen with a `FakeBackend`.
 */
import { getContext, setContext } from 'svelte';
import type { Backend } from '../ipc';
import type { IpcError } from '../types';
import { localDate } from '../dates';
import { Session } from './session.svelte';
import { SettingsState } from './settings.svelte';
import { CaseList } from './caseList.svelte';
import { CurrentCase } from './currentCase.svelte';
import { Drafts } from './drafts.svelte';
import { SyncState } from './sync.svelte';

export type Route =
  | { name: 'cases' }
  | { name: 'case'; id: string }
  | { name: 'new' }
  | { name: 'sync' }
  | { name: 'export'; from?: ExportOrigin }
  | { name: 'import' }
  | { name: 'settings' };

/** Where the export wizard was opened: a case ("Export this case") or the list ("Export…"). */
export interface ExportOrigin {
  caseId?: string;
  caseName?: string;
  fromList?: boolean;
}

export interface AppOptions {
  /** Milliseconds clock (activity throttling). */
  now?: () => number;
  /** Today's date, `YYYY-MM-DD` (due-date highlighting). */
  today?: () => string;
}

export class AppState {
  route = $state.raw<Route>({ name: 'cases' });
  readonly backend: Backend;
  readonly session: Session;
  readonly settings: SettingsState;
  readonly cases: CaseList;
  readonly current: CurrentCase;
  readonly drafts: Drafts;
  readonly sync: SyncState;
  readonly today: () => string;

  constructor(backend: Backend, opts: AppOptions = {}) {
    this.backend = backend;
    this.today = opts.today ?? (() => localDate());
    const onError = (e: IpcError) => this.reportError(e);
    this.session = new Session(backend, () => this.clearCaseData(), opts.now);
    this.settings = new SettingsState(backend);
    this.cases = new CaseList(backend, onError);
    this.current = new CurrentCase(backend, onError);
    this.drafts = new Drafts();
    this.sync = new SyncState(backend, onError);
  }

  /** Every failed command passes here: `locked` means the shell locked, so show the unlock screen. */
  reportError(e: IpcError): void {
    if (e.code === 'locked') this.session.lockedElsewhere('expired');
  }

  go(route: Route): void {
    if (route.name !== 'case') this.current.clear();
    this.route = route;
  }

  openCase(id: string): void {
    this.route = { name: 'case', id };
    void this.current.open(id);
  }

  /** Forgets every piece of case data the UI holds. Called on every lock. */
  clearCaseData(): void {
    this.cases.clear();
    this.current.clear();
    this.drafts.clear();
    this.sync.clear();
    this.route = { name: 'cases' };
  }

  /** Starts the app: settings first (language for the unlock screen), then the vault state. */
  async start(): Promise<() => void> {
    const unlisten = await this.backend.onVaultLocked((reason) => this.session.lockedElsewhere(reason));
    const unlistenSync = await this.backend.onSyncFinished((event) => {
      if (!this.session.open) return;
      void this.sync.autoFinished(event);
      if ((event.report?.received_changes ?? 0) > 0) {
        // What other devices changed shows without a click.
        this.cases.refresh();
        void this.current.reload();
      }
    });
    await this.settings.load();
    await this.session.start();
    return () => {
      unlisten();
      unlistenSync();
    };
  }
}

const KEY = Symbol('casebook-app');

export function setApp(app: AppState): void {
  setContext(KEY, app);
}

export function getApp(): AppState {
  const app = getContext<AppState | undefined>(KEY);
  if (!app) throw new Error('AppState missing from context');
  return app;
}

/** For tests: the context map that `render(Component, { context })` takes. */
export function appContext(app: AppState): Map<unknown, unknown> {
  return new Map<unknown, unknown>([[KEY, app]]);
}
