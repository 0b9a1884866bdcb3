/**
 * App settings (language, auto-lock). They are not secret and live in the shell's config
 * folder, so they load before unlocking; the UI keeps no copy in web storage.
 */
import type { Backend } from '../ipc';
import { language, setLanguage } from '../i18n/index.svelte';
import { toIpcError, type IpcError, type Language, type Settings } from '../types';

export const DEFAULT_AUTO_LOCK_MINUTES = 5;
export const MIN_AUTO_LOCK_MINUTES = 1;
export const MAX_AUTO_LOCK_MINUTES = 120;

export class SettingsState {
  autoLockMinutes = $state(DEFAULT_AUTO_LOCK_MINUTES);
  error = $state.raw<IpcError | null>(null);
  saving = $state(false);

  private readonly backend: Backend;

  constructor(backend: Backend) {
    this.backend = backend;
  }

  get language(): Language {
    return language();
  }

  async load(): Promise<void> {
    try {
      this.apply(await this.backend.settingsGet());
    } catch (e) {
      this.error = toIpcError(e);
    }
  }

  /** Switches the UI language at once, then saves it. */
  async setLanguage(lang: Language): Promise<boolean> {
    setLanguage(lang);
    return this.save({ language: lang, autoLockMinutes: this.autoLockMinutes });
  }

  async setAutoLockMinutes(minutes: number): Promise<boolean> {
    return this.save({ language: language(), autoLockMinutes: minutes });
  }

  private async save(next: Settings): Promise<boolean> {
    this.saving = true;
    this.error = null;
    try {
      this.apply(await this.backend.settingsSet(next));
      return true;
    } catch (e) {
      this.error = toIpcError(e);
      return false;
    } finally {
      this.saving = false;
    }
  }

  private apply(s: Settings): void {
    setLanguage(s.language === 'ru' ? 'ru' : 'en');
    this.autoLockMinutes = s.autoLockMinutes;
  }
}
