/** Shared test set-up: an app on a fake backend, and rendering a screen with it in context. */
import { render } from '@testing-library/svelte';
import type { Component } from 'svelte';
import { FakeBackend, type FakeOptions } from '../lib/fakeBackend';
import { AppState, appContext } from '../lib/state/app.svelte';

export const TODAY = '2026-11-23';

export function makeApp(opts: FakeOptions = {}, now: () => number = () => 0) {
  const fake = new FakeBackend({ today: TODAY, unlocked: true, ...opts });
  const app = new AppState(fake, { now, today: () => TODAY });
  return { fake, app };
}

/** An app whose session is open (as after unlocking). */
export async function openApp(opts: FakeOptions = {}) {
  const made = makeApp({ unlocked: true, ...opts });
  await made.app.session.start();
  return made;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function renderWith(component: Component<any>, app: AppState, props: Record<string, unknown> = {}) {
  return render(component, { props, context: appContext(app) });
}
