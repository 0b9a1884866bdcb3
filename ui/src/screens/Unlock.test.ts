import { fireEvent, screen, waitFor } from '@testing-library/svelte';
import { describe, expect, it } from 'vitest';
import { makeApp, renderWith } from '../test/helpers';
import { setLanguage } from '../lib/i18n/index.svelte';
import Unlock from './Unlock.svelte';

async function lockedApp(opts = {}) {
  const made = makeApp({ exists: true, unlocked: false, passphrase: 'the right passphrase', ...opts });
  await made.app.session.start();
  renderWith(Unlock, made.app);
  return made;
}

async function typeAndUnlock(passphrase: string) {
  await fireEvent.input(screen.getByTestId('passphrase'), { target: { value: passphrase } });
  await fireEvent.click(screen.getByTestId('unlock'));
}

describe('unlock screen', () => {
  it('says plainly that the passphrase is wrong', async () => {
    const { app } = await lockedApp();
    await typeAndUnlock('not it');
    const error = await screen.findByTestId('error-message');
    expect(error).toHaveTextContent(/^Wrong passphrase/);
    expect(app.session.phase).toBe('locked');
  });

  it('says it in Russian when Russian is chosen', async () => {
    setLanguage('ru');
    await lockedApp();
    await typeAndUnlock('not it');
    expect(await screen.findByTestId('error-message')).toHaveTextContent(/^Неверная парольная фраза/);
  });

  it('shows a busy state with the inputs disabled while the KDF runs', async () => {
    const { app } = await lockedApp({ kdfDelayMs: 60 });
    await typeAndUnlock('the right passphrase');
    expect(screen.getByTestId('passphrase')).toBeDisabled();
    expect(screen.getByTestId('unlock')).toBeDisabled();
    expect(screen.getByTestId('unlock')).toHaveTextContent('Unlocking…');
    expect(screen.getByTestId('unlock-busy')).toBeInTheDocument();
    await waitFor(() => expect(app.session.phase).toBe('unlocked'));
  });

  it('explains an automatic lock on idle', async () => {
    const made = makeApp({ exists: true, unlocked: true });
    await made.app.session.start();
    made.app.session.lockedElsewhere('idle');
    renderWith(Unlock, made.app);
    expect(screen.getByTestId('lock-notice')).toHaveTextContent('not used for a while');
  });

  it('switches the language from the unlock screen', async () => {
    const { fake } = await lockedApp();
    await fireEvent.change(screen.getByTestId('language-select'), { target: { value: 'ru' } });
    expect(await screen.findByText('Разблокируйте хранилище')).toBeInTheDocument();
    expect(fake.callsOf('settings_set')).toEqual([{ settings: { language: 'ru', autoLockMinutes: 5, autoSync: true, publishMinutes: 15 } }]);
  });
});

describe('creating a vault', () => {
  async function firstRun() {
    const made = makeApp({ exists: false, unlocked: false, recoveryKey: 'AAAA-BBBB-CCCC-DDDD' });
    await made.app.session.start();
    renderWith(Unlock, made.app);
    return made;
  }

  async function choose(passphrase: string, again = passphrase) {
    await fireEvent.input(screen.getByTestId('passphrase'), { target: { value: passphrase } });
    await fireEvent.input(screen.getByTestId('passphrase-confirm'), { target: { value: again } });
    await fireEvent.click(screen.getByTestId('create-vault'));
  }

  it('refuses a passphrase under 8 characters and two different ones', async () => {
    const { fake } = await firstRun();
    await choose('short');
    expect(screen.getByTestId('create-problem')).toHaveTextContent('at least 8 characters');
    await choose('long enough phrase', 'long enough phrasE');
    expect(screen.getByTestId('create-problem')).toHaveTextContent('not the same');
    expect(fake.callsOf('vault_create')).toHaveLength(0);
  });

  it('warns under 12 characters without blocking', async () => {
    const { fake } = await firstRun();
    await fireEvent.input(screen.getByTestId('passphrase'), { target: { value: 'ninechars' } });
    expect(screen.getByTestId('passphrase-strength')).toHaveAttribute('data-strength', 'weak');
    expect(screen.getByTestId('passphrase-strength')).toHaveTextContent('At least 12 characters');
    await choose('ninechars');
    await screen.findByTestId('recovery-key');
    expect(fake.callsOf('vault_create')).toEqual([{ passphrase: 'ninechars' }]);
  });

  it('shows the recovery key once and continues only after the tick', async () => {
    const { app } = await firstRun();
    await choose('a long and good passphrase');
    expect(await screen.findByTestId('recovery-key')).toHaveTextContent('AAAA-BBBB-CCCC-DDDD');
    const next = screen.getByTestId('recovery-continue');
    expect(next).toBeDisabled();
    await fireEvent.click(next);
    expect(app.session.phase).toBe('recovery');
    await fireEvent.click(screen.getByTestId('recovery-confirm'));
    expect(next).toBeEnabled();
    await fireEvent.click(next);
    expect(app.session.phase).toBe('unlocked');
    expect(app.session.recoveryKey).toBeNull();
  });
});
