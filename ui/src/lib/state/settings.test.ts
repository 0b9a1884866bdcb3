import { describe, expect, it } from 'vitest';
import { FakeBackend } from '../fakeBackend';
import { language, t } from '../i18n/index.svelte';
import { SettingsState } from './settings.svelte';

describe('settings', () => {
  it('load the language from the shell', async () => {
    const fake = new FakeBackend({ settings: { language: 'ru', autoLockMinutes: 9 } });
    const settings = new SettingsState(fake);
    await settings.load();
    expect(language()).toBe('ru');
    expect(settings.autoLockMinutes).toBe(9);
    expect(t('nav.cases')).toBe('Дела');
  });

  it('switch the language at once and save it through settings_set', async () => {
    const fake = new FakeBackend();
    const settings = new SettingsState(fake);
    await settings.load();
    const saving = settings.setLanguage('ru');
    expect(t('nav.new_case')).toBe('Новое дело'); // before the shell answered
    expect(await saving).toBe(true);
    expect(fake.callsOf('settings_set')).toEqual([{ settings: { language: 'ru', autoLockMinutes: 5 } }]);
  });

  it('reject an auto-lock time out of range with the shell error', async () => {
    const fake = new FakeBackend();
    const settings = new SettingsState(fake);
    expect(await settings.setAutoLockMinutes(500)).toBe(false);
    expect(settings.error?.code).toBe('bad_input');
    expect(await settings.setAutoLockMinutes(15)).toBe(true);
    expect(settings.autoLockMinutes).toBe(15);
  });
});
