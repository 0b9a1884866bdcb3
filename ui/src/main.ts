import { mount } from 'svelte';
import './app.css';
import App from './App.svelte';
import { AppState } from './lib/state/app.svelte';
import { tauriBackend, type Backend } from './lib/ipc';

/** The real shell, or (only in `vite --mode mock`) the in-memory fake with generated cases. */
async function backend(): Promise<Backend> {
  if (import.meta.env.MODE === 'mock') {
    const { FakeBackend } = await import('./lib/fakeBackend');
    // VITE_MOCK_NEW_VAULT=1 starts on the create-vault screen.
    const fake = new FakeBackend({ kdfDelayMs: 600, exists: import.meta.env.VITE_MOCK_NEW_VAULT !== '1' });
    fake.seed(20_000);
    return fake;
  }
  return tauriBackend;
}

async function start() {
  const app = new AppState(await backend());
  mount(App, { target: document.getElementById('app') as HTMLElement, props: { app } });
}

void start();
