import { cleanup, fireEvent, screen, waitFor } from '@testing-library/svelte';
import { describe, expect, it } from 'vitest';
import { openApp, renderWith } from '../test/helpers';
import Settings from './Settings.svelte';

async function settings(opts: { networkDrive?: string } = {}) {
  const made = await openApp({ passphrase: 'old passphrase here', ...opts });
  await made.app.settings.load();
  renderWith(Settings, made.app);
  return made;
}

async function change(current: string, next: string, again = next) {
  await fireEvent.input(screen.getByTestId('current-passphrase'), { target: { value: current } });
  await fireEvent.input(screen.getByTestId('new-passphrase'), { target: { value: next } });
  await fireEvent.input(screen.getByTestId('new-passphrase-confirm'), { target: { value: again } });
  await fireEvent.click(screen.getByTestId('change-passphrase'));
}

describe('settings screen', () => {
  it('shows where the vault is and switches the language at once', async () => {
    await settings();
    expect(screen.getByTestId('vault-path')).toHaveTextContent('/home/volunteer/.local/share/casebook/vault');
    await fireEvent.change(screen.getByTestId('language-select'), { target: { value: 'ru' } });
    expect(await screen.findByText('Настройки')).toBeInTheDocument();
  });

  it('says when the current passphrase is wrong, and changes it when right', async () => {
    const { fake } = await settings();
    await change('not the old one', 'a new long passphrase');
    expect(await screen.findByTestId('error-message')).toHaveTextContent('The current passphrase is wrong.');
    await change('old passphrase here', 'a new long passphrase');
    await screen.findByText(/The passphrase has been changed/);
    expect(fake.callsOf('vault_change_passphrase').at(-1)).toEqual({ current: 'old passphrase here', next: 'a new long passphrase' });
  });

  it('saves the auto-lock minutes and refuses values out of range', async () => {
    const { fake } = await settings();
    const minutes = screen.getByTestId('auto-lock-minutes');
    expect(minutes).toHaveValue(5);
    await fireEvent.input(minutes, { target: { value: '500' } });
    expect(screen.getByTestId('auto-lock-save')).toBeDisabled();
    await fireEvent.input(minutes, { target: { value: '10' } });
    await fireEvent.click(screen.getByTestId('auto-lock-save'));
    await waitFor(() => expect(fake.callsOf('settings_set')).toEqual([{ settings: { language: 'en', autoLockMinutes: 10, autoSync: true, publishMinutes: 15 } }]));
  });

  it('turns automatic sync off and chooses how often changes are sent', async () => {
    const { fake } = await settings();
    const box = screen.getByTestId('auto-sync');
    expect(box).toBeChecked();
    expect(screen.getByTestId('publish-minutes')).toHaveTextContent('15 minutes');
    expect(screen.getByRole('option', { name: '5 minutes' })).toBeInTheDocument();
    await fireEvent.change(screen.getByTestId('publish-minutes'), { target: { value: '30' } });
    await waitFor(() => expect(fake.callsOf('settings_set').length).toBe(1));
    await fireEvent.click(box);
    await waitFor(() => expect(screen.getByTestId('publish-minutes')).toBeDisabled());
    expect(fake.callsOf('settings_set').at(-1)).toEqual({
      settings: { language: 'en', autoLockMinutes: 5, autoSync: false, publishMinutes: 30 },
    });
  });

  it('warns when the vault folder is on a network drive, and only then', async () => {
    await settings();
    expect(screen.queryByTestId('vault-network')).toBeNull();
    cleanup();
    await settings({ networkDrive: 'the vault folder is on a network file system (NFS)' });
    expect(screen.getByTestId('vault-network')).toHaveTextContent('This vault is on a network drive');
  });
});
