/**
 * The test fake answers in the shapes the core does: its answers are compared, key by key at
 * every depth, with real answers of the core that a Rust test writes
 * (`generated/fixtures.json`, from `tests/ipc_fixtures.rs`). A null on either side matches any
 * value (an optional field that is unset in one of them); an empty list matches any list.
 */
import { describe, expect, it } from 'vitest';
import fixtures from '../generated/fixtures.json';
import { createFakeBackend } from '../fakeBackend';

/** Paths where `a` and `b` differ in keys or JSON types. */
function differences(a: unknown, b: unknown, path = '$'): string[] {
  if (a === null || b === null || a === undefined || b === undefined) {
    return a === undefined || b === undefined ? (a === b ? [] : [`${path}: missing on one side`]) : [];
  }
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b)) return [`${path}: a list on one side only`];
    return a.length && b.length ? differences(a[0], b[0], `${path}[0]`) : [];
  }
  if (typeof a === 'object' && typeof b === 'object') {
    const out: string[] = [];
    const ka = Object.keys(a as object);
    const kb = Object.keys(b as object);
    for (const k of ka) if (!kb.includes(k)) out.push(`${path}.${k}: only in the fake`);
    for (const k of kb) if (!ka.includes(k)) out.push(`${path}.${k}: only in the core`);
    for (const k of ka.filter((k) => kb.includes(k))) {
      out.push(...differences((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], `${path}.${k}`));
    }
    return out;
  }
  return typeof a === typeof b ? [] : [`${path}: ${typeof a} in the fake, ${typeof b} in the core`];
}

async function seededFake() {
  const fake = createFakeBackend({ unlocked: true });
  const id = fake.put({
    full_name: 'Юрий Шевченко',
    aliases: ['Юра'],
    contacts: [{ channel: 'signal', value: '+374' }],
    country: 'AM',
  });
  await fake.noteAdd(id, 'met at the consulate');
  await fake.taskAdd(id, 'File the appeal', '2026-12-20');
  await fake.eventAdd(id, '2026-11-20', 'border_crossing', 'Upper Lars');
  fake.attachShare();
  fake.addPeer({ device: '0c1d2e3f405162738495a6b7c8d9eaf1', label: 'Boris' });
  return { fake, id };
}

describe('the fake answers as the core does', () => {
  it('a case file', async () => {
    const { fake, id } = await seededFake();
    expect(differences(await fake.caseGet(id), fixtures.case_get)).toEqual([]);
  });

  it('a page of the case list', async () => {
    const { fake } = await seededFake();
    const page = await fake.casesQuery({
      query: '',
      filter: { stage: null, country: null, riskLevel: null, due: null },
      sort: 'updated',
      offset: 0,
      limit: 10,
    });
    expect(differences(page, fixtures.cases_query)).toEqual([]);
  });

  it('a sync report and the share status', async () => {
    const { fake } = await seededFake();
    expect(differences(await fake.syncNow(), fixtures.sync_now)).toEqual([]);
    const overview = await fake.syncOverview();
    expect(overview.attached).toBe(true);
    expect(differences(overview.attached ? overview.status : null, fixtures.sync_status)).toEqual([]);
  });

  it('the overview of a vault with no share, as the shell sends it', async () => {
    // src-tauri/src/commands/sync.rs: `{attached: false, conflicts: [...]}`, the list always present.
    const fake = createFakeBackend({ unlocked: true });
    expect(await fake.syncOverview()).toEqual({ attached: false, conflicts: [] });
  });

  it('catches a field the core does not have', () => {
    expect(differences({ a: 1, b: [{ c: 'x' }] }, { a: 2, b: [{ c: 'y', d: 1 }] })).toEqual(['$.b[0].d: only in the core']);
  });
});
