/**
 * The case open in the detail screen. Every change goes to the shell first and the case is
 * then read back, so what is shown is what was stored. Actions return the error (if any) so
 * the form that caused it can show it beside the field.
 */
import type { Backend } from '../ipc';
import { toIpcError, type CaseFile, type CaseUpdate, type IpcError } from '../types';

export class CurrentCase {
  file = $state.raw<CaseFile | null>(null);
  loading = $state(false);
  error = $state.raw<IpcError | null>(null);

  private generation = 0;
  private readonly backend: Backend;
  private readonly onError: (e: IpcError) => void;

  constructor(backend: Backend, onError: (e: IpcError) => void = () => {}) {
    this.backend = backend;
    this.onError = onError;
  }

  get id(): string | null {
    return this.file?.id ?? null;
  }

  async open(id: string): Promise<void> {
    const generation = ++this.generation;
    this.file = null;
    this.error = null;
    this.loading = true;
    try {
      const file = await this.backend.caseGet(id);
      if (generation === this.generation) this.file = file;
    } catch (e) {
      if (generation === this.generation) this.error = this.fail(e);
    } finally {
      if (generation === this.generation) this.loading = false;
    }
  }

  /** Reads the open case again without clearing the screen (a sync brought changes). */
  async reload(): Promise<void> {
    const id = this.id;
    if (!id || this.loading) return;
    const generation = this.generation;
    try {
      const file = await this.backend.caseGet(id);
      if (generation === this.generation && this.file?.id === id) this.file = file;
    } catch {
      // Deleted on another device: it stays on screen until the caseworker moves on.
    }
  }

  async update(input: CaseUpdate): Promise<IpcError | null> {
    return this.change((id) => this.backend.caseUpdate(id, input));
  }

  async setStage(stage: string): Promise<IpcError | null> {
    return this.update({ stage });
  }

  async addNote(text: string): Promise<IpcError | null> {
    return this.change((id) => this.backend.noteAdd(id, text));
  }

  async addTask(title: string, due: string | null): Promise<IpcError | null> {
    return this.change((id) => this.backend.taskAdd(id, title, due));
  }

  /** Ticks a task at once; the stored state is read back (and restored on failure). */
  async setTaskDone(taskId: string, done: boolean): Promise<IpcError | null> {
    const file = this.file;
    if (file) this.file = { ...file, tasks: file.tasks.map((t) => (t.id === taskId ? { ...t, done } : t)) };
    return this.change(() => this.backend.taskSetDone(taskId, done));
  }

  async addEvent(date: string, kind: string, text: string): Promise<IpcError | null> {
    return this.change((id) => this.backend.eventAdd(id, date, kind, text));
  }

  async remove(): Promise<IpcError | null> {
    const id = this.id;
    if (!id) return null;
    try {
      await this.backend.caseDelete(id);
      this.clear();
      return null;
    } catch (e) {
      return this.fail(e);
    }
  }

  /** Forgets the case (on lock, or when leaving it). */
  clear(): void {
    this.generation++;
    this.file = null;
    this.error = null;
    this.loading = false;
  }

  private async change(action: (id: string) => Promise<unknown>): Promise<IpcError | null> {
    const id = this.id;
    if (!id) return null;
    const generation = this.generation;
    let failure: IpcError | null = null;
    try {
      await action(id);
    } catch (e) {
      failure = this.fail(e);
    }
    if (failure?.code === 'locked') return failure;
    try {
      const file = await this.backend.caseGet(id);
      if (generation === this.generation) this.file = file;
    } catch (e) {
      const err = this.fail(e);
      if (generation === this.generation) this.error = err;
    }
    return failure;
  }

  private fail(e: unknown): IpcError {
    const err = toIpcError(e);
    this.onError(err);
    return err;
  }
}
