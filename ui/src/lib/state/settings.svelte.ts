/**
 * App settings (language, auto-lock, automatic sync). They are not secret and live in the shell's config
 * folder, so they load before unlocking; the UI keeps no copy in web storage.
 */
import type { Backend } from '../ipc';
import { language, setLanguage } from '../i18n/index.svelte';
import { toIpcError, type IpcError, type Language, type Settings } from '../types';

export const DEFAULT_AUTO_LOCK_MINUTES = 5;
export const MIN_AUTO_LOCK_MINUTES = 1;
export const MAX_AUTO_LOCK_MINUTES = 120;
/** The choices the core accepts (`casebook::sync::auto::PUBLISH_MINUTES`). */
export const PUBLISH_MINUTES = [5, 15, 30, 60] as const;
export const DEFAULT_PUBLISH_MINUTES = 15;

export class SettingsState {
  autoLockMinutes = $state(DEFAULT_AUTO_LOCK_MINUTES);
  autoSync = $state(true);
  publishMinutes = $state(DEFAULT_PUBLISH_MINUTES);
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
    return this.save({ ...this.current(), language: lang });
  }

  async setAutoLockMinutes(minutes: number): Promise<boolean> {
    return this.save({ ...this.current(), autoLockMinutes: minutes });
  }

  async setAutoSync(on: boolean, publishMinutes: number = this.publishMinutes): Promise<boolean> {
    return this.save({ ...this.current(), autoSync: on, publishMinutes });
  }

  private current(): Settings {
    return {
      language: language(),
      autoLockMinutes: this.autoLockMinutes,
      autoSync: this.autoSync,
      publishMinutes: this.publishMinutes,
    };
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
    this.autoSync = s.autoSync !== false;
    this.publishMinutes = (PUBLISH_MINUTES as readonly number[]).includes(s.publishMinutes)
      ? s.publishMinutes
      : DEFAULT_PUBLISH_MINUTES;
  }
}
