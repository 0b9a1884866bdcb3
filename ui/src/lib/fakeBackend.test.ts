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
});
