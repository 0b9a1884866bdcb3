import { describe, expect, it } from 'vitest';
import { FakeBackend } from './fakeBackend';
import { NO_FILTER } from './state/caseList.svelte';

const query = (q: Partial<Parameters<FakeBackend['casesQuery']>[0]> = {}) => ({
  query: '',
  filter: { ...NO_FILTER },
  sort: 'name' as const,
  offset: 0,
  limit: 100,
  ...q,
});

describe('FakeBackend mimics the shell', () => {
  it('answers wrong_key for a wrong passphrase and locked while locked', async () => {
    const fake = new FakeBackend({ passphrase: 'right one here' });
    await expect(fake.vaultUnlock('wrong')).rejects.toMatchObject({ code: 'wrong_key' });
    await expect(fake.casesQuery(query())).rejects.toMatchObject({ code: 'locked' });
    await fake.vaultUnlock('right one here');
    await expect(fake.casesQuery(query())).resolves.toMatchObject({ total: 0 });
  });

  it('pages with a total of all matching cases', async () => {
    const fake = new FakeBackend({ unlocked: true });
    fake.seed(250);
    const page = await fake.casesQuery(query({ offset: 200, limit: 100 }));
    expect(page.total).toBe(250);
    expect(page.rows).toHaveLength(50);
  });

  it('finds a Cyrillic name from its Latin spelling and counts only the rows returned', async () => {
    const fake = new FakeBackend({ unlocked: true });
    fake.put({ full_name: 'Юрий Жуков' });
    fake.put({ full_name: 'Иван Щукин', full_name_latin: 'Ivan Shchukin' });
    fake.put({ full_name: 'Сергей Попов' });
    expect((await fake.casesQuery(query({ query: 'yuri zhuk' }))).rows.map((r) => r.full_name)).toEqual(['Юрий Жуков']);
    expect((await fake.casesQuery(query({ query: 'ЩУКИН' }))).total).toBe(1);
    expect((await fake.casesQuery(query({ query: 'shchukin' }))).total).toBe(1);
  });

  it('names the field of bad input', async () => {
    const fake = new FakeBackend({ unlocked: true });
    await expect(fake.caseCreate({ full_name: '  ' })).rejects.toMatchObject({ code: 'bad_input', field: 'full_name' });
    await expect(fake.caseCreate({ full_name: 'A', country: 'XX' })).rejects.toMatchObject({ field: 'country' });
    await expect(fake.caseCreate({ full_name: 'A', contacts: [{ channel: 'signal', value: '' }] })).rejects.toMatchObject({
      field: 'contacts.value',
    });
    const { id } = await fake.caseCreate({ full_name: 'A' });
    await expect(fake.taskAdd(id, 'Call', '2026-02-30')).rejects.toMatchObject({ field: 'due' });
  });

  it('syncs like the shell: not attached, locked, sent counts and resolved conflicts', async () => {
    const fake = new FakeBackend({ unlocked: true });
    expect(await fake.syncOverview()).toEqual({ attached: false, conflicts: [] });
    await expect(fake.syncNow()).rejects.toMatchObject({ code: 'bad_input' });
    await expect(fake.syncCreate('relative/path', '')).rejects.toMatchObject({ code: 'bad_input', field: 'path' });
    await fake.syncCreate('/mnt/share', 'Anna');
    await expect(fake.syncCreate('/mnt/other', 'Anna')).rejects.toMatchObject({ field: 'share' });
    await fake.caseCreate({ full_name: 'Юрий' });
    expect(await fake.syncNow()).toMatchObject({ sent_deltas: 1, sent_changes: 1 });
    expect(await fake.syncNow()).toMatchObject({ sent_deltas: 0, sent_changes: 0 });
    fake.addConflict({ id: 'c1', case_id: 'x', record: 'case', record_id: 'x', field: 'city', values: [] });
    await expect(fake.conflictResolve('c1', 1)).rejects.toMatchObject({ field: 'keep' });
    const overview = await fake.syncOverview();
    expect(overview.attached && overview.status.devices[0]).toMatchObject({ this_device: true, label: 'Anna', seq: 1 });
    await fake.vaultLock();
    await expect(fake.syncOverview()).rejects.toMatchObject({ code: 'locked' });
  });
});

