import { fireEvent, render, screen, waitFor } from '@testing-library/svelte';
import { describe, expect, it } from 'vitest';
import { makeApp } from './test/helpers';
import App from './App.svelte';

async function started(opts = {}) {
  const made = makeApp({ exists: true, unlocked: false, passphrase: 'the right passphrase', ...opts });
  made.fake.put({ full_name: 'Юрий Жуков', full_name_latin: 'Yuri Zhukov', city: 'Алматы', country: 'KZ' });
  const view = render(App, { props: { app: made.app } });
  await screen.findByTestId('unlock');
  return { ...made, view };
}

async function unlock() {
  await fireEvent.input(screen.getByTestId('passphrase'), { target: { value: 'the right passphrase' } });
  await fireEvent.click(screen.getByTestId('unlock'));
  await screen.findByTestId('case-row');
}

describe('app', () => {
  it('unlocks into the case list and navigates between screens', async () => {
    await started();
    await unlock();
    expect(screen.getByTestId('nav-cases')).toHaveAttribute('aria-current', 'page');
    await fireEvent.click(screen.getByTestId('nav-new'));
    expect(screen.getByTestId('intake-full_name')).toBeInTheDocument();
    await fireEvent.click(screen.getByTestId('nav-sync'));
    expect(screen.getByTestId('nav-sync')).toHaveAttribute('aria-current', 'page');
    expect(await screen.findByTestId('create-path')).toBeInTheDocument();
    await fireEvent.click(screen.getByTestId('nav-settings'));
    expect(screen.getByTestId('vault-path')).toHaveTextContent('casebook');
    await fireEvent.click(screen.getByTestId('nav-cases'));
    await fireEvent.click(await screen.findByTestId('case-row'));
    expect(await screen.findByTestId('case-name')).toHaveTextContent('Юрий Жуков');
  });

  it('reaches the export wizard from the list (its filter), from a case, and the import screen from the nav', async () => {
    const { app } = await started();
    await unlock();
    await fireEvent.click(screen.getByTestId('list-export'));
    expect(app.route).toEqual({ name: 'export', from: { fromList: true } });
    expect(await screen.findByTestId('export-screen')).toBeInTheDocument();
    expect(screen.getByTestId('nav-export')).toHaveAttribute('aria-current', 'page');
    await fireEvent.click(screen.getByTestId('export-cancel'));
    await fireEvent.click(await screen.findByTestId('case-row'));
    await fireEvent.click(await screen.findByTestId('export-case'));
    expect(await screen.findByTestId('scope-case-name')).toHaveTextContent('Юрий Жуков');
    expect(screen.getByTestId('scope-count-case')).toHaveTextContent('1 case');
    await fireEvent.click(screen.getByTestId('nav-import'));
    expect(await screen.findByTestId('import-path')).toBeInTheDocument();
    expect(screen.getByTestId('nav-import')).toHaveAttribute('aria-current', 'page');
  });

  it('Ctrl+L locks: the shell is told, every case is gone from the page and the state', async () => {
    const { fake, app, view } = await started();
    await unlock();
    await fireEvent.click(screen.getByTestId('case-row'));
    await screen.findByTestId('case-name');
    await fireEvent.keyDown(window, { key: 'l', ctrlKey: true });
    await screen.findByTestId('unlock');
    expect(fake.callsOf('vault_lock')).toHaveLength(1);
    expect(view.container.textContent).not.toMatch(/Жуков|Zhukov|Алматы/);
    expect(app.current.file).toBeNull();
    expect(app.cases.cachedWindows).toBe(0);
  });

  it('Ctrl+L works with a Russian keyboard layout (key "д", physical KeyL)', async () => {
    const { fake } = await started();
    await unlock();
    await fireEvent.keyDown(window, { key: 'д', code: 'KeyL', ctrlKey: true });
    await screen.findByTestId('unlock');
    expect(fake.callsOf('vault_lock')).toHaveLength(1);
  });

  it('the Lock button locks too', async () => {
    const { fake } = await started();
    await unlock();
    await fireEvent.click(screen.getByTestId('lock'));
    await screen.findByTestId('unlock');
    expect(fake.callsOf('vault_lock')).toHaveLength(1);
  });

  it('shows the unlock screen with a reason when the shell locks on suspend', async () => {
    const { fake, view } = await started();
    await unlock();
    fake.emitLocked('suspend');
    expect(await screen.findByTestId('lock-notice')).toHaveTextContent('went to sleep');
    expect(view.container.textContent).not.toMatch(/Жуков/);
  });

  it('reports activity on key presses and clicks, throttled', async () => {
    const { fake } = await started();
    await unlock();
    await fireEvent.keyDown(window, { key: 'a' });
    await fireEvent.pointerDown(window);
    await waitFor(() => expect(fake.callsOf('session_touch')).toHaveLength(1));
  });

  it('shows what an automatic sync brought: a badge on Sync for what waits, and when it ran', async () => {
    const { fake } = await started();
    fake.attachShare('/media/anna/USB/casebook', 'Anna laptop');
    await unlock();
    expect(screen.queryByTestId('nav-sync-badge')).toBeNull();
    const id = fake.put({ full_name: 'Мария Соколова' });
    fake.addConflict({
      id: 'a1b2c3d4e5f6',
      case_id: id,
      record: 'case',
      record_id: id,
      field: 'stage',
      values: [
        { n: 1, value: 'vetting', device: 'aa', device_label: 'Boris', time: '2026-11-22T10:00:00.000Z', shown: true },
        { n: 2, value: 'exit', device: 'bb', device_label: 'Anna', time: '2026-11-22T09:00:00.000Z', shown: false },
      ],
    });
    await fake.emitAutoSync();
    expect(await screen.findByTestId('nav-sync-badge')).toHaveTextContent('1');
    expect(screen.getByTestId('nav-sync')).toHaveAccessibleName(/^Sync\s*1 thing to look at$/);
    await fireEvent.click(screen.getByTestId('nav-sync'));
    expect(await screen.findByTestId('sync-last-run')).toHaveTextContent(/Last synced by itself at/);
    expect(screen.queryByTestId('auto-sync-off')).toBeNull();
  });
});
