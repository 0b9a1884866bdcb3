/**
 * Export and import, one object per open screen (made when the screen opens, dropped when it
 * closes or the vault locks, so no passphrase or plan outlives it).
 *
 * `ExportWizard`: four steps — which cases (this case / the list's current filter / all, with
 * the count), the profile, the protection (partner's public keys or a passphrase typed twice),
 * where to save — then `export_run`. `ImportFlow`: a path (and a passphrase when the bundle
 * asks for one), `import_preview` showing the plan, then `import_apply` of exactly that file.
 */
import type { Backend } from '../ipc';
import type { MessageKey } from '../i18n/index.svelte';
import { MIN_LENGTH } from '../passphrase';
import { MAX_RECIPIENTS, defaultExportPath, hasFilter, parseRecipients, selectionOfFilter } from '../exchange';
import {
  type Rarity,
  toIpcError,
  type CaseFilter,
  type ExportProfile,
  type ExportRequest,
  type ExportSelection,
  type ExportSummary,
  type ImportPlan,
  type OwnKeysView,
  type Partner,
  type ImportReport,
  type IpcError,
} from '../types';
import type { ExportOrigin } from './app.svelte';
import { NO_FILTER, SEARCH_LIMIT } from './caseList.svelte';

export type Scope = 'case' | 'filter' | 'all';
export type ProtectionKind = 'partner' | 'key' | 'passphrase';
export const STEPS = [1, 2, 3, 4] as const;
export type Step = (typeof STEPS)[number];

/** Rows per request when collecting the ids of a filtered list. */
const ID_PAGE = 500;

/** The case list as it was when the wizard opened. */
export interface ListView {
  filter: CaseFilter;
  query: string;
}

export class ExportWizard {
  step = $state<Step>(1);
  scope = $state<Scope>('all');
  /** The safer choice first: the partner sees no names or contacts unless asked. */
  profile = $state<ExportProfile>('no-identity');
  /** `no-identity` keeps the city (named in the signed manifest). */
  includeCity = $state(false);
  /** How rare the selected cases are by the facts a no-identity bundle keeps (null: not known). */
  rarity = $state.raw<Rarity | null>(null);
  protection = $state<ProtectionKind>('key');
  recipientsText = $state('');
  /** The contact book (loaded with the counts); a partner is the first choice when there is one. */
  partners = $state.raw<Partner[]>([]);
  partner = $state('');
  passphrase = $state('');
  passphraseAgain = $state('');
  path = $state('');

  /** Case counts per scope (null while counting). */
  allCount = $state<number | null>(null);
  filterCount = $state<number | null>(null);
  countError = $state.raw<IpcError | null>(null);

  /** Steps where "Next" was pressed: their problems show from then on. */
  attempted = $state<Record<number, boolean>>({});

  running = $state(false);
  result = $state.raw<ExportSummary | null>(null);
  /** The path the result was written to, as typed. */
  resultPath = $state('');
  error = $state.raw<IpcError | null>(null);

  readonly origin: ExportOrigin;
  readonly list: ListView;
  keys = $derived(parseRecipients(this.recipientsText));

  /** Ids of a searched list (the search's best matches, as the list shows them). */
  private searchIds: string[] | null = null;
  private readonly backend: Backend;
  private readonly onError: (e: IpcError) => void;

  constructor(
    backend: Backend,
    origin: ExportOrigin,
    list: ListView,
    today: string,
    onError: (e: IpcError) => void = () => {},
  ) {
    this.backend = backend;
    this.origin = { ...origin };
    this.list = { filter: { ...list.filter }, query: list.query.trim() };
    this.onError = onError;
    this.path = defaultExportPath(today);
    this.scope = origin.caseId ? 'case' : origin.fromList && this.listFiltered ? 'filter' : 'all';
  }

  /** The list had a filter or a search when the wizard opened. */
  get listFiltered(): boolean {
    return hasFilter(this.list.filter, this.list.query);
  }

  get scopes(): Scope[] {
    const out: Scope[] = [];
    if (this.origin.caseId) out.push('case');
    if (this.listFiltered) out.push('filter');
    out.push('all');
    return out;
  }

  countOf(scope: Scope): number | null {
    if (scope === 'case') return 1;
    return scope === 'filter' ? this.filterCount : this.allCount;
  }

  get count(): number | null {
    return this.countOf(this.scope);
  }

  /** The chosen partner of the contact book, if it is in it. */
  get chosenPartner(): Partner | null {
    return this.partners.find((p) => p.name === this.partner) ?? null;
  }

  /** Counts the cases of each scope, and reads the contact book. */
  async load(): Promise<void> {
    this.countError = null;
    try {
      this.partners = await this.backend.partnerList();
      const usable = this.partners.filter((p) => p.recipients.length > 0);
      if (usable.length > 0) {
        this.protection = 'partner';
        this.partner = usable[0].name;
      }
    } catch (e) {
      this.fail(e);
    }
    try {
      const all = await this.backend.casesQuery({ query: '', filter: { ...NO_FILTER }, sort: 'updated', offset: 0, limit: 1 });
      this.allCount = all.total;
      if (this.listFiltered) {
        if (this.list.query) {
          const page = await this.backend.casesQuery({
            query: this.list.query,
            filter: { ...this.list.filter },
            sort: 'updated',
            offset: 0,
            limit: SEARCH_LIMIT,
          });
          this.searchIds = page.rows.map((r) => r.id);
          this.filterCount = page.rows.length;
        } else {
          const page = await this.backend.casesQuery({ query: '', filter: { ...this.list.filter }, sort: 'updated', offset: 0, limit: 1 });
          this.filterCount = page.total;
        }
      }
    } catch (e) {
      this.countError = this.fail(e);
    }
  }

  /** What stops the step from going on (a catalog key), or null. */
  problem(step: Step): MessageKey | null {
    switch (step) {
      case 1: {
        const n = this.count;
        if (n === null) return 'export.counting';
        return n === 0 ? 'export.scope_empty' : null;
      }
      case 2:
        return null;
      case 3:
        if (this.protection === 'partner') {
          const p = this.chosenPartner;
          if (!p) return 'exchange.partner_choose';
          return p.recipients.length === 0 ? 'exchange.partner_no_key' : null;
        }
        if (this.protection === 'key') {
          if (this.keys.bad.length > 0) return 'export.keys_bad';
          if (this.keys.keys.length === 0) return 'export.keys_none';
          if (this.keys.keys.length > MAX_RECIPIENTS) return 'export.keys_too_many';
          return null;
        }
        if ([...this.passphrase].length < MIN_LENGTH) return 'export.passphrase_short';
        if (this.passphrase !== this.passphraseAgain) return 'export.passphrase_mismatch';
        return null;
      case 4:
        return this.path.trim() ? null : 'export.path_empty';
    }
  }

  /** Whether the problem of `step` is shown (after "Next" was pressed there). */
  shows(step: Step): MessageKey | null {
    return this.attempted[step] ? this.problem(step) : null;
  }

  next(): boolean {
    this.attempted = { ...this.attempted, [this.step]: true };
    if (this.problem(this.step) || this.step === 4) return false;
    this.step = (this.step + 1) as Step;
    return true;
  }

  back(): void {
    if (this.step > 1 && !this.running) this.step = (this.step - 1) as Step;
  }

  /** Jumps back to an earlier step (the step list is a way back, never a way past a check). */
  goTo(step: Step): void {
    if (step < this.step && !this.running) this.step = step;
  }

  /** Writes the bundle. The passphrase is forgotten once it has been used. */
  async run(): Promise<void> {
    if (this.running) return;
    this.attempted = { ...this.attempted, 4: true };
    for (const step of STEPS) {
      if (this.problem(step)) {
        this.step = step;
        return;
      }
    }
    this.running = true;
    this.error = null;
    this.result = null;
    try {
      const request: ExportRequest = {
        selection: await this.selection(),
        profile: this.profile,
        ...(this.profile === 'no-identity' && this.includeCity ? { include_city: true } : {}),
        path: this.path.trim(),
        ...(this.protection === 'partner'
          ? { partner: this.partner }
          : this.protection === 'key'
            ? { recipients: [...this.keys.keys] }
            : { passphrase: this.passphrase }),
      };
      this.result = await this.backend.exportRun(request);
      this.resultPath = request.path;
      this.passphrase = '';
      this.passphraseAgain = '';
    } catch (e) {
      const err = this.fail(e);
      this.error = err;
      if (err.code === 'bad_input' && /^(recipient|passphrase|partner)/.test(err.field ?? '')) this.step = 3;
    } finally {
      this.running = false;
    }
  }

  /** Asks the core how rare the selection is (the rarity line of the profile step). A failure
   *  only leaves the line out: it is a warning, never a gate. */
  async checkRarity(): Promise<void> {
    try {
      this.rarity = await this.backend.exportRarity(await this.selection());
    } catch {
      this.rarity = null;
    }
  }

  /** Starts over for other cases (same protection and folder, a fresh result). */
  again(): void {
    this.result = null;
    this.error = null;
    this.attempted = {};
    this.step = 1;
  }

  private async selection(): Promise<ExportSelection> {
    switch (this.scope) {
      case 'case':
        return { kind: 'ids', ids: [this.origin.caseId as string] };
      case 'all':
        return { kind: 'all' };
      case 'filter': {
        const simple = selectionOfFilter(this.list.filter, this.list.query);
        if (simple) return simple;
        if (this.searchIds) return { kind: 'ids', ids: [...this.searchIds] };
        return { kind: 'ids', ids: await this.filteredIds() };
      }
    }
  }

  /** Every id the list's filter matches, page by page. */
  private async filteredIds(): Promise<string[]> {
    const ids: string[] = [];
    for (let offset = 0; ; offset += ID_PAGE) {
      const page = await this.backend.casesQuery({
        query: '',
        filter: { ...this.list.filter },
        sort: 'updated',
        offset,
        limit: ID_PAGE,
      });
      ids.push(...page.rows.map((r) => r.id));
      if (page.rows.length < ID_PAGE || ids.length >= page.total) return ids;
    }
  }

  private fail(e: unknown): IpcError {
    const err = toIpcError(e);
    this.onError(err);
    return err;
  }
}

export class ImportFlow {
  path = $state('');
  passphrase = $state('');
  /** The core said the bundle is locked with a passphrase. */
  needsPassphrase = $state(false);

  previewing = $state(false);
  plan = $state.raw<ImportPlan | null>(null);
  applying = $state(false);
  report = $state.raw<ImportReport | null>(null);
  error = $state.raw<IpcError | null>(null);
  /** Whether the last error came from "Import" (the file changed, or the vault refused). */
  errorOnApply = $state(false);

  publicKey = $state<string | null>(null);
  /** This vault's keys: the age key above, and the bundle-signing key partners verify with. */
  keys = $state.raw<OwnKeysView | null>(null);
  keyError = $state.raw<IpcError | null>(null);

  /** The file and passphrase the plan was made from: "Import" applies exactly these. */
  private planned: { path: string; passphrase: string | undefined } | null = null;
  private readonly backend: Backend;
  private readonly onError: (e: IpcError) => void;

  constructor(backend: Backend, onError: (e: IpcError) => void = () => {}) {
    this.backend = backend;
    this.onError = onError;
  }

  get busy(): boolean {
    return this.previewing || this.applying;
  }

  async loadKey(): Promise<void> {
    this.keyError = null;
    try {
      this.keys = await this.backend.identityShow();
      this.publicKey = this.keys.publicKey;
    } catch (e) {
      this.keyError = this.fail(e);
    }
  }

  /** The typed path or passphrase changed: a plan shown for another file is dropped. */
  edited(): void {
    if (this.previewing || this.applying) return;
    this.plan = null;
    this.planned = null;
  }

  async preview(): Promise<void> {
    if (this.busy) return;
    const path = this.path.trim();
    const passphrase = this.needsPassphrase && this.passphrase !== '' ? this.passphrase : undefined;
    this.previewing = true;
    this.error = null;
    this.errorOnApply = false;
    this.plan = null;
    this.report = null;
    try {
      this.plan = await this.backend.importPreview(path, passphrase);
      this.planned = { path, passphrase };
    } catch (e) {
      const err = this.fail(e);
      if (err.code === 'bad_input' && err.field === 'passphrase') this.needsPassphrase = true;
      this.error = err;
    } finally {
      this.previewing = false;
    }
  }

  async apply(): Promise<void> {
    if (this.busy || !this.plan || !this.planned) return;
    this.applying = true;
    this.error = null;
    try {
      this.report = await this.backend.importApply(this.planned.path, this.planned.passphrase);
      this.plan = null;
      this.planned = null;
      this.passphrase = '';
    } catch (e) {
      this.error = this.fail(e);
      this.errorOnApply = true;
    } finally {
      this.applying = false;
    }
  }

  /** Back to an empty form for the next file. */
  reset(): void {
    if (this.busy) return;
    this.path = '';
    this.passphrase = '';
    this.needsPassphrase = false;
    this.plan = null;
    this.planned = null;
    this.report = null;
    this.error = null;
    this.errorOnApply = false;
  }

  private fail(e: unknown): IpcError {
    const err = toIpcError(e);
    this.onError(err);
    return err;
  }
}
