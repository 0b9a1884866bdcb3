import { fireEvent, screen, waitFor, within } from '@testing-library/svelte';
import { describe, expect, it } from 'vitest';
import { openApp, renderWith } from '../test/helpers';
import { FAKE_PUBLIC_KEY, type FakeBackend, type FakeOptions } from '../lib/fakeBackend';
import { setLanguage } from '../lib/i18n/index.svelte';
import type { AppState, ExportOrigin } from '../lib/state/app.svelte';
import type { ExportRequest } from '../lib/types';
import Export from './Export.svelte';

const PARTNER = 'age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p';

async function wizard(from: ExportOrigin = {}, opts: FakeOptions = {}, setup: (fake: FakeBackend, app: AppState) => void = () => {}) {
  const made = await openApp(opts);
  made.fake.seed(12);
  setup(made.fake, made.app);
  made.app.route = { name: 'export', from };
  const view = renderWith(Export, made.app);
  await waitFor(() => expect(screen.getByTestId('scope-count-all')).toHaveTextContent(/^\d+ (cases?|дел)/));
  return { ...made, view };
}

async function type(testid: string, value: string) {
  await fireEvent.input(screen.getByTestId(testid), { target: { value } });
}

const next = () => fireEvent.click(screen.getByTestId('export-next'));
const title = () => screen.getByTestId('export-step-title').textContent ?? '';
const runs = (fake: FakeBackend) => fake.callsOf('export_run') as ExportRequest[];

describe('export wizard', () => {
  it('walks the four steps: all cases, a profile, the partner keys, a new file; then shows the result', async () => {
    const { fake } = await wizard({}, { exportDelayMs: 60 }, (f) => {
      f.put({ id: 'case-zhukov', full_name: 'Юрий Жуков', stage: 'transit_stay', country: 'KZ' });
    });
    // Opened from a case: that case is chosen; the other scopes are offered too.
    expect(title()).toBe('Step 1 of 4: Cases');
    expect(screen.getByTestId('scope-all')).toBeInTheDocument();
    expect(screen.queryByTestId('scope-case')).toBeNull(); // not opened from a case
    await fireEvent.click(screen.getByTestId('scope-all').querySelector('input') as HTMLInputElement);
    await next();

    expect(title()).toBe('Step 2 of 4: What the partner sees');
    expect(screen.getByTestId('profile-no-identity').querySelector('input')).toBeChecked();
    await next();

    expect(title()).toBe('Step 3 of 4: Protection');
    await next();
    expect(screen.getByTestId('export-problem')).toHaveTextContent('Paste the partner’s public key.');
    await type('export-recipients', `${PARTNER}\nage1-not-a-key`);
    expect(screen.getByTestId('export-keys-bad')).toHaveTextContent('age1-not-a-key');
    await next();
    expect(title()).toMatch(/Step 3/);
    await type('export-recipients', `${PARTNER}\n${FAKE_PUBLIC_KEY.toUpperCase()}`);
    expect(screen.getByTestId('export-keys-ok')).toHaveTextContent('2 public keys recognised');
    await next();

    expect(title()).toBe('Step 4 of 4: Save the file');
    expect(screen.getByTestId('export-path')).toHaveValue('~/casebook-export-2026-11-23.age');
    expect(screen.getByTestId('export-choices')).toHaveTextContent('13 cases');
    expect(screen.getByTestId('export-choices')).toHaveTextContent('Without identity');
    expect(screen.getByTestId('export-choices')).toHaveTextContent('Locked for 2 public keys');
    await fireEvent.click(screen.getByTestId('export-run'));
    expect(screen.getByTestId('export-run')).toBeDisabled();
    expect(screen.getByTestId('export-run')).toHaveTextContent('Exporting…');
    expect(screen.getByTestId('export-progress').querySelector('progress')).not.toBeNull();
    const result = await screen.findByTestId('export-result');
    expect(result).toHaveTextContent(/Exported 13 cases \(\d+(\.\d)? kB\) to:/);
    expect(screen.getByTestId('export-result-path')).toHaveTextContent('~/casebook-export-2026-11-23.age');
    expect(result).toHaveTextContent(/With 0 notes, \d+ tasks? and 0 timeline events\./);
    expect(runs(fake)).toEqual([
      {
        selection: { kind: 'all' },
        profile: 'no-identity',
        recipients: [PARTNER, FAKE_PUBLIC_KEY],
        path: '~/casebook-export-2026-11-23.age',
      },
    ]);
    expect(fake.files.has('/home/volunteer/casebook-export-2026-11-23.age')).toBe(true);
  });

  it('exports to a partner of the contact book by name, showing the keys and words it locks for', async () => {
    const { fake } = await wizard({}, {}, (f) => {
      void f.partnerAdd({ name: 'Memorial Yerevan', recipients: [PARTNER], signing_keys: [] });
    });
    await next();
    await next();
    expect(title()).toBe('Step 3 of 4: Protection');
    expect(screen.getByTestId('protection-partner').querySelector('input')).toBeChecked();
    expect(screen.getByTestId('export-partner')).toHaveValue('Memorial Yerevan');
    expect(screen.getByTestId('export-partner-keys')).toHaveTextContent(PARTNER);
    expect(screen.getByTestId('export-partner-keys')).toHaveTextContent('dazuno-feviha-tobako-rimesu');
    await next();
    expect(screen.getByTestId('export-choices')).toHaveTextContent('For Memorial Yerevan, with its confirmed keys');
    await fireEvent.click(screen.getByTestId('export-run'));
    await screen.findByTestId('export-result');
    expect(runs(fake).map((r) => [r.partner, r.recipients, r.passphrase])).toEqual([['Memorial Yerevan', undefined, undefined]]);
  });

  it('starts from the case it was opened from, with its name and a count of one', async () => {
    const made = await openApp();
    made.fake.seed(3);
    const id = made.fake.put({ full_name: 'Мария Соколова' });
    made.app.route = { name: 'export', from: { caseId: id, caseName: 'Мария Соколова' } };
    renderWith(Export, made.app);
    await waitFor(() => expect(screen.getByTestId('scope-count-all')).toHaveTextContent('4 cases'));
    expect(screen.getByTestId('scope-case').querySelector('input')).toBeChecked();
    expect(screen.getByTestId('scope-case-name')).toHaveTextContent('Мария Соколова');
    expect(screen.getByTestId('scope-count-case')).toHaveTextContent('1 case');
    await next();
    await fireEvent.click(screen.getByTestId('profile-full').querySelector('input') as HTMLInputElement);
    await next();
    await type('export-recipients', PARTNER);
    await next();
    await type('export-path', '/media/usb/maria.age');
    await fireEvent.click(screen.getByTestId('export-run'));
    expect(await screen.findByTestId('export-result')).toHaveTextContent('Exported 1 case');
    expect(made.fake.callsOf('export_run')).toEqual([
      { selection: { kind: 'ids', ids: [id] }, profile: 'full', recipients: [PARTNER], path: '/media/usb/maria.age' },
    ]);
  });

  it('takes the case list’s filter: one stage is a stage selection; a search sends the ids it found', async () => {
    const { fake } = await wizard({ fromList: true }, {}, (_f, a) => {
      a.cases.setFilter({ stage: 'vetting' });
    });
    expect(screen.getByTestId('scope-filter').querySelector('input')).toBeChecked();
    expect(screen.getByTestId('scope-filter-words')).toHaveTextContent('Stage: Vetting');
    await waitFor(() => expect(screen.getByTestId('scope-count-filter')).toHaveTextContent(/^\d+ cases?$/));
    await next();
    await next();
    await type('export-recipients', PARTNER);
    await next();
    await fireEvent.click(screen.getByTestId('export-run'));
    await screen.findByTestId('export-result');
    expect(runs(fake)[0].selection).toEqual({ kind: 'stage', stage: 'vetting' });
  });

  it('sends the ids of a search and of a filter the core cannot select by itself', async () => {
    const made = await openApp();
    made.fake.seed(30);
    made.app.cases.setFilter({ country: 'KZ', riskLevel: 'high' });
    made.app.route = { name: 'export', from: { fromList: true } };
    renderWith(Export, made.app);
    await waitFor(() => expect(screen.getByTestId('scope-count-filter')).toHaveTextContent(/cases?/));
    const words = screen.getByTestId('scope-filter-words').textContent ?? '';
    expect(words).toContain('Kazakhstan');
    expect(words).toContain('Risk level: High');
    const expected = (await made.fake.casesQuery({ query: '', filter: { stage: null, country: 'KZ', riskLevel: 'high', due: null }, sort: 'updated', offset: 0, limit: 500 })).rows.map((r) => r.id);
    expect(expected.length).toBeGreaterThan(0);
    await next();
    await next();
    await type('export-recipients', PARTNER);
    await next();
    await fireEvent.click(screen.getByTestId('export-run'));
    await screen.findByTestId('export-result');
    const sent = runs(made.fake)[0].selection;
    expect(sent.kind).toBe('ids');
    expect(sent.kind === 'ids' && [...sent.ids].sort()).toEqual([...expected].sort());
  });

  it('sends the ids a name search found, as the list shows them', async () => {
    const made = await openApp();
    made.fake.seed(30);
    const zhukov = made.fake.put({ full_name: 'Юрий Жукович' });
    made.app.cases.query = 'zhukovich';
    made.app.cases.activeQuery = 'zhukovich';
    made.app.route = { name: 'export', from: { fromList: true } };
    renderWith(Export, made.app);
    await waitFor(() => expect(screen.getByTestId('scope-count-filter')).toHaveTextContent('1 case'));
    expect(screen.getByTestId('scope-filter-words')).toHaveTextContent('name search “zhukovich”');
    await next();
    await next();
    await type('export-recipients', PARTNER);
    await next();
    await fireEvent.click(screen.getByTestId('export-run'));
    await screen.findByTestId('export-result');
    expect(runs(made.fake)[0].selection).toEqual({ kind: 'ids', ids: [zhukov] });
  });

  it('previews each profile in plain words: what the partner sees and what is removed', async () => {
    const { fake } = await wizard();
    await next();
    const sees = () => screen.getByTestId('profile-sees').textContent ?? '';
    const removes = () => screen.getByTestId('profile-removes').textContent ?? '';
    // Without identity (the default): generated from the core's redaction table.
    expect(sees()).toContain('Category, stage, country and risk level');
    expect(sees()).toContain('without numbers');
    expect(removes()).toContain('Real names, aliases and nicknames');
    expect(removes()).toContain('Contacts: phone numbers, messenger names, e-mail addresses');
    expect(removes()).toContain('Document numbers and the criminal case number');
    expect(removes()).toContain('notes, task titles, details of timeline events');
    expect(removes()).toContain('The city where the person is');
    expect(removes()).toContain('Who in your group works on the case');
    expect(screen.getByTestId('profile-preview')).toHaveTextContent('is not anonymous');
    // Twelve varied cases: some share their facts with no other, and the step says so.
    await waitFor(() => expect(screen.getByTestId('profile-rarity')).toHaveTextContent('Rare in your own files: only 1 case'));
    await fireEvent.click(screen.getByTestId('profile-include-city'));
    expect(sees()).toContain('The city where the person is');
    expect(removes()).not.toContain('The city');
    expect(screen.queryByTestId('profile-full-warning')).toBeNull();
    // Everything: nothing removed, and a warning.
    await fireEvent.click(screen.getByTestId('profile-full').querySelector('input') as HTMLInputElement);
    expect(sees()).toContain('Real names, aliases and nicknames');
    expect(removes()).toContain('Nothing');
    expect(screen.getByTestId('profile-full-warning')).toHaveTextContent('trust completely');
    // Summary only.
    await fireEvent.click(screen.getByTestId('profile-summary').querySelector('input') as HTMLInputElement);
    expect(sees()).toContain('Category, stage, country and risk level');
    expect(removes()).toContain('Real names, aliases and nicknames');
    expect(screen.getByTestId('profile-preview')).toHaveTextContent('“Summary only”: what the partner will get');
    expect(screen.queryByTestId('profile-rarity')).toBeNull();
    expect(fake.callsOf('export_rarity')[0]).toEqual({ selection: { kind: 'all' } });
  });

  it('checks the passphrase typed twice, warns to send it apart, and forgets it after the export', async () => {
    const { fake } = await wizard();
    await next();
    await next();
    await fireEvent.click(screen.getByTestId('protection-passphrase').querySelector('input') as HTMLInputElement);
    expect(screen.getByTestId('passphrase-warning')).toHaveTextContent('Send the passphrase by another channel than the file.');
    expect(screen.getByText(/about two seconds on purpose/)).toBeInTheDocument();
    await type('export-passphrase', 'short');
    await next();
    expect(screen.getByTestId('export-problem')).toHaveTextContent('at least 8 characters');
    await type('export-passphrase', 'korova moloko sever');
    await type('export-passphrase-again', 'korova moloko severr');
    await next();
    expect(screen.getByTestId('export-problem')).toHaveTextContent('The two passphrases are not the same.');
    expect(screen.getByTestId('export-passphrase-again')).toHaveAttribute('aria-invalid', 'true');
    expect(title()).toMatch(/Step 3/);
    await type('export-passphrase-again', 'korova moloko sever');
    await next();
    expect(screen.getByTestId('export-choices')).toHaveTextContent('Locked with a passphrase');
    await fireEvent.click(screen.getByTestId('export-run'));
    await screen.findByTestId('export-result');
    expect(runs(fake)[0]).toMatchObject({ passphrase: 'korova moloko sever', selection: { kind: 'all' } });
    expect(runs(fake)[0]).not.toHaveProperty('recipients');
    // "Export other cases" starts over without the passphrase.
    await fireEvent.click(screen.getByTestId('export-again'));
    await next();
    await next();
    expect(screen.getByTestId('export-passphrase')).toHaveValue('');
    expect(screen.getByTestId('export-passphrase-again')).toHaveValue('');
  });

  it('refuses to overwrite a file: the path error is shown beside it, with the details', async () => {
    const { fake } = await wizard();
    fake.putFile('~/casebook-export-2026-11-23.age');
    await next();
    await next();
    await type('export-recipients', PARTNER);
    await next();
    await fireEvent.click(screen.getByTestId('export-run'));
    const error = await screen.findByTestId('error-message');
    expect(error).toHaveTextContent('Casebook never overwrites a file');
    expect(within(error).getByText('Technical details')).toBeInTheDocument();
    expect(error).toHaveTextContent('/home/volunteer/casebook-export-2026-11-23.age already exists');
    expect(screen.getByTestId('export-path')).toHaveAttribute('aria-invalid', 'true');
    await type('export-path', '~/casebook-export-2026-11-23-2.age');
    await fireEvent.click(screen.getByTestId('export-run'));
    expect(await screen.findByTestId('export-result')).toBeInTheDocument();
  });

  it('goes back to the keys when the shell refuses one', async () => {
    const { fake } = await wizard();
    fake.failNext('export_run', 'bad_input', 'recipient', 'not an age public key');
    await next();
    await next();
    await type('export-recipients', PARTNER);
    await next();
    await fireEvent.click(screen.getByTestId('export-run'));
    expect(await screen.findByTestId('export-server-keys')).toHaveTextContent('copied whole');
    expect(title()).toMatch(/Step 3/);
  });

  it('says so when none of the chosen cases can be exported any more', async () => {
    const { fake } = await wizard();
    fake.failNext('export_run', 'bad_input', 'cases', 'no case matches: nothing to export');
    await next();
    await next();
    await type('export-recipients', PARTNER);
    await next();
    await fireEvent.click(screen.getByTestId('export-run'));
    const error = await screen.findByTestId('error-message');
    expect(error).toHaveTextContent('None of the chosen cases can be exported any more');
    expect(error).toHaveTextContent('no case matches');
    expect(screen.queryByTestId('export-result')).toBeNull();
  });

  it('goes back through the step list but never past a check', async () => {
    await wizard();
    await next();
    await next();
    expect(title()).toMatch(/Step 3/);
    // Step 4 is not a link yet.
    expect(screen.getByTestId('export-step-4').tagName).toBe('SPAN');
    await fireEvent.click(screen.getByTestId('export-step-1'));
    expect(title()).toMatch(/Step 1/);
    await waitFor(() => expect(screen.getByTestId('export-step-title')).toHaveFocus());
  });

  it('speaks Russian', async () => {
    setLanguage('ru');
    await wizard({}, {}, () => {});
    expect(title()).toBe('Шаг 1 из 4: Дела');
    expect(screen.getByTestId('scope-all')).toHaveTextContent('Все дела в хранилище');
    expect(screen.getByTestId('export-next')).toHaveTextContent('Далее');
    await next();
    expect(screen.getByTestId('profile-no-identity')).toHaveTextContent('Без личных данных');
    expect(screen.getByTestId('profile-removes')).toHaveTextContent('Настоящие имена, псевдонимы и прозвища');
    await next();
    expect(screen.getByTestId('protection-key')).toHaveTextContent('Открытый ключ партнёра');
    await type('export-recipients', `${PARTNER} ${FAKE_PUBLIC_KEY}`);
    expect(screen.getByTestId('export-keys-ok')).toHaveTextContent('Распознано 2 открытых ключа');
    await next();
    expect(screen.getByTestId('export-run')).toHaveTextContent('Экспортировать');
    await fireEvent.click(screen.getByTestId('export-run'));
    expect((await screen.findByTestId('export-result')).textContent?.replace(/\s/g, ' ')).toMatch(/Экспортировано 12 дел \(\d+(,\d)? кБ\)/);
  });
});
