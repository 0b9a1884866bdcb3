import { describe, expect, it } from 'vitest';
import { makeApp, openApp } from '../../test/helpers';
import { TOUCH_INTERVAL_MS } from './session.svelte';

async function settle() {
  for (let i = 0; i < 5; i++) await new Promise((r) => setTimeout(r, 0));
}

/** An open app holding case data everywhere it can: list cache, open case, intake draft. */
async function appWithCaseData() {
  const made = await openApp();
  const { fake, app } = made;
  const id = fake.put({ full_name: 'Юрий Жуков', city: 'Алматы' });
  fake.seed(150);
  app.cases.setQuery('');
  app.cases.refresh();
  await settle();
  app.cases.ensureRange(100, 150);
  await settle();
  app.openCase(id);
  await settle();
  app.drafts.intake.full_name = 'Half-typed name';
  app.drafts.intakeNote = 'Half-typed note';
  expect(app.cases.total).toBe(151);
  expect(app.cases.cachedWindows).toBe(2);
  expect(app.current.file?.full_name).toBe('Юрий Жуков');
  return made;
}

describe('session', () => {
  it('starts on the create screen when there is no vault, else on unlock', async () => {
    const first = makeApp({ exists: false, unlocked: false });
    await first.app.session.start();
    expect(first.app.session.phase).toBe('create');
    const later = makeApp({ exists: true, unlocked: false });
    await later.app.session.start();
    expect(later.app.session.phase).toBe('locked');
    expect(later.app.session.vaultPath).toContain('casebook');
  });

  it('lock clears every piece of case data: list cache, open case, drafts, query', async () => {
    const { fake, app } = await appWithCaseData();
    app.cases.setQuery('юрий');
    await app.session.lock();
    expect(fake.callsOf('vault_lock')).toHaveLength(1);
    expect(app.session.phase).toBe('locked');
    expect(app.cases.cachedWindows).toBe(0);
    expect(app.cases.total).toBe(0);
    expect(app.cases.rowAt(0)).toBeUndefined();
    expect(app.cases.query).toBe('');
    expect(app.current.file).toBeNull();
    expect(app.drafts.intake.full_name).toBe('');
    expect(app.drafts.intakeNote).toBe('');
    expect(app.route).toEqual({ name: 'cases' });
  });

  it('a vault-locked event from the shell clears the data and says why', async () => {
    const { fake, app } = await appWithCaseData();
    await app.start();
    fake.emitLocked('idle');
    expect(app.session.phase).toBe('locked');
    expect(app.session.lockCause).toBe('idle');
    expect(app.current.file).toBeNull();
    expect(app.cases.cachedWindows).toBe(0);
  });

  it('a command answering "locked" brings back the unlock screen', async () => {
    const { fake, app } = await openApp();
    fake.failNext('cases_query', 'locked');
    app.cases.refresh();
    await settle();
    expect(app.session.phase).toBe('locked');
    expect(app.session.lockCause).toBe('expired');
  });

  it('reports activity at most once every 15 seconds', async () => {
    let now = 1_000_000;
    const { fake, app } = makeApp({ unlocked: true }, () => now);
    await app.session.start();
    app.session.touch();
    app.session.touch();
    now += TOUCH_INTERVAL_MS - 1;
    app.session.touch();
    expect(fake.callsOf('session_touch')).toHaveLength(1);
    now += 1;
    app.session.touch();
    expect(fake.callsOf('session_touch')).toHaveLength(2);
  });

  it('does not report activity while locked', async () => {
    const { fake, app } = makeApp({ unlocked: false });
    await app.session.start();
    app.session.touch();
    expect(fake.callsOf('session_touch')).toHaveLength(0);
  });
});
