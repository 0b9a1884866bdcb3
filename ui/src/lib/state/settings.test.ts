import { describe, expect, it } from 'vitest';
import { FakeBackend } from '../fakeBackend';
import { language, t } from '../i18n/index.svelte';
import { SettingsState } from './settings.svelte';

describe('settings', () => {
  it('load the language from the shell', async () => {
    const fake = new FakeBackend({ settings: { language: 'ru', autoLockMinutes: 9, autoSync: true, publishMinutes: 15 } });
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
    expect(fake.callsOf('settings_set')).toEqual([{ settings: { language: 'ru', autoLockMinutes: 5, autoSync: true, publishMinutes: 15 } }]);
  });

  it('reject an auto-lock time out of range with the shell error', async () => {
    const fake = new FakeBackend();
    const settings = new SettingsState(fake);
    expect(await settings.setAutoLockMinutes(500)).toBe(false);
    expect(settings.error?.code).toBe('bad_input');
    expect(await settings.setAutoLockMinutes(15)).toBe(true);
    expect(settings.autoLockMinutes).toBe(15);
  });

  it('turn automatic sync off and on with a publishing interval the shell accepts', async () => {
    const fake = new FakeBackend();
    const settings = new SettingsState(fake);
    await settings.load();
    expect([settings.autoSync, settings.publishMinutes]).toEqual([true, 15]);
    expect(await settings.setAutoSync(false)).toBe(true);
    expect(await settings.setAutoSync(true, 60)).toBe(true);
    expect(fake.callsOf('settings_set').map((c) => [(c as { settings: { autoSync: boolean } }).settings.autoSync, (c as { settings: { publishMinutes: number } }).settings.publishMinutes])).toEqual([
      [false, 15],
      [true, 60],
    ]);
    expect(await settings.setAutoSync(true, 7)).toBe(false);
    expect(settings.error?.field).toBe('publishMinutes');
    expect(settings.publishMinutes).toBe(60);
  });
});
