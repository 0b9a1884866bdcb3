import { fireEvent, screen, waitFor, within } from '@testing-library/svelte';
import { describe, expect, it } from 'vitest';
import { openApp, renderWith } from '../test/helpers';
import { FAKE_OTHER_VAULT, FAKE_PUBLIC_KEY, type FakeBackend } from '../lib/fakeBackend';
import { setLanguage } from '../lib/i18n/index.svelte';
import type { CaseFile } from '../lib/types';
import Import from './Import.svelte';
import { clone, EMPTY_FIELDS } from '../lib/fake/input';

async function importScreen(setup: (fake: FakeBackend) => void = () => {}, opts = {}) {
  const made = await openApp(opts);
  setup(made.fake);
  made.app.route = { name: 'import' };
  const view = renderWith(Import, made.app);
  await screen.findByTestId('public-key');
  return { ...made, view };
}

async function type(testid: string, value: string) {
  await fireEvent.input(screen.getByTestId(testid), { target: { value } });
}

function caseFile(id: string, full_name: string, extra: Partial<CaseFile> = {}): CaseFile {
  return {
    id,
    ...clone(EMPTY_FIELDS),
    full_name,
    created_at: '2026-11-01T10:00:00.000Z',
    updated_at: '2026-11-20T08:30:00.000Z',
    events: [],
    tasks: [],
    notes: [],
    ...extra,
  };
}

describe('import screen', () => {
  it('shows this vault’s public key with a Copy button', async () => {
    await importScreen();
    expect(screen.getByTestId('public-key')).toHaveTextContent(FAKE_PUBLIC_KEY);
    expect(screen.getByText(/not secret/)).toBeInTheDocument();
    // jsdom has no clipboard: the key is selected for Ctrl+C instead.
    await fireEvent.click(screen.getByTestId('copy-public-key'));
    expect(await screen.findByText('Selected: press Ctrl+C to copy')).toBeInTheDocument();
  });

  it('previews a partner’s bundle, then imports it and says what changed', async () => {
    const { fake, app } = await importScreen(
      (f) => {
        f.put(caseFile('case-same', 'Юрий Жуков'));
        f.put(caseFile('case-old', 'Мария Соколова'));
        f.putFile('~/Downloads/from-partner.age', {
          profile: 'no-identity',
          vault_id: FAKE_OTHER_VAULT,
          exported_at: '2026-11-22T14:09:35.123Z',
          cases: [
            caseFile('case-same', 'Юрий Жуков'),
            caseFile('case-old', 'Мария Соколова', { stage: 'exit' }),
            caseFile('case-new', 'Case 0193a5c2', { tasks: [{ id: 't1', title: 'Call', due: null, done: false }] }),
          ],
        });
      },
      { exportDelayMs: 40 },
    );
    expect(screen.getByTestId('import-preview')).toBeDisabled();
    await type('import-path', '~/Downloads/from-partner.age');
    await fireEvent.click(screen.getByTestId('import-preview'));
    expect(screen.getByTestId('import-preview')).toHaveTextContent('Reading the file…');
    const plan = await screen.findByTestId('import-plan');
    expect(within(plan).getByTestId('import-plan-profile')).toHaveTextContent('Without identity');
    expect(within(plan).getByTestId('import-plan-exported')).toHaveTextContent('22 Nov 2026');
    // Who signed it comes first: the verified key, never the vault id the file claims.
    expect(within(plan).getByTestId('import-signer')).toHaveTextContent('Signed by Memorial Yerevan (known key)');
    expect(within(plan).getByTestId('import-verified')).toHaveTextContent('It may update cases you have');
    expect(plan).not.toHaveTextContent(FAKE_OTHER_VAULT);
    const changes = within(plan).getAllByTestId('import-change');
    const cells = (r: HTMLElement) => [...r.querySelectorAll('td')].map((td) => td.textContent?.trim()).join(' ');
    expect(changes.map(cells)).toEqual(['Stage First contact → Leaving Russia will change']);
    expect(within(plan).getByTestId('import-plan-create')).toHaveTextContent('1 new case');
    expect(within(plan).getByTestId('import-plan-update')).toHaveTextContent('1 case to update');
    expect(within(plan).getByTestId('import-plan-unchanged')).toHaveTextContent('1 unchanged');
    expect(plan).toHaveTextContent('Parts were left out of this file');
    expect(plan).toHaveTextContent('The file holds 0 notes, 1 task and 0 timeline events.');
    const rows = within(plan).getAllByTestId('import-plan-case');
    expect(rows.map((r) => [r.textContent?.replace(/\s+/g, ' ').trim(), r.dataset.action])).toEqual([
      ['Case 0193a5c2 new', 'create'],
      ['Мария Соколова update', 'update'],
      ['Юрий Жуков unchanged', 'unchanged'],
    ]);
    expect(fake.callsOf('import_apply')).toEqual([]);

    fake.importConflicts(2);
    await fireEvent.click(screen.getByTestId('import-apply'));
    expect(screen.getByTestId('import-apply')).toBeDisabled();
    const result = await screen.findByTestId('import-result');
    expect(screen.getByTestId('import-result-counts')).toHaveTextContent('1 case added, 1 updated, 1 unchanged.');
    expect(screen.getByTestId('import-conflicts')).toHaveTextContent('2 changes clashed with ones made here');
    expect(screen.queryByTestId('import-plan')).toBeNull();
    expect(fake.callsOf('import_apply')).toEqual([{ path: '~/Downloads/from-partner.age' }]);
    expect((await fake.caseGet('case-new')).full_name).toBe('Case 0193a5c2');
    await fireEvent.click(within(result).getByTestId('import-review-conflicts'));
    expect(app.route).toEqual({ name: 'sync' });
  });

  it('a file from a key nobody confirmed only adds new cases, and says so', async () => {
    const { fake } = await importScreen((f) => {
      f.put(caseFile('case-mine', 'Юрий Жуков'));
      f.putFile('~/from-stranger.age', {
        signer: 'unknown',
        made_for: 'Ark',
        recipients: ['age1qpzry9x8gf2tvdw0s3jn54khce6mua7lqpzry9x8gf2tvdw0s3jn54kaaa'],
        cases: [caseFile('case-mine', 'Юрий Жуков', { stage: 'closed' }), caseFile('case-other', 'Павел')],
      });
    });
    await type('import-path', '~/from-stranger.age');
    await fireEvent.click(screen.getByTestId('import-preview'));
    // Not encrypted to this vault in the fake: refused before a plan.
    expect(await screen.findByTestId('error-message')).toBeInTheDocument();
    fake.putFile('~/from-stranger.age', {
      signer: 'unknown',
      made_for: 'Ark',
      cases: [caseFile('case-mine', 'Юрий Жуков', { stage: 'closed' }), caseFile('case-other', 'Павел')],
    });
    await fireEvent.click(screen.getByTestId('import-preview'));
    const plan = await screen.findByTestId('import-plan');
    expect(within(plan).getByTestId('import-signer')).toHaveTextContent('Signed by a key that is not in your contact book');
    expect(within(plan).getByTestId('import-verified')).toHaveTextContent('it will only add new cases');
    expect(within(plan).getByTestId('import-plan-refused')).toHaveTextContent('1 case you already have is left unchanged');
    expect(within(plan).queryAllByTestId('import-change')).toEqual([]);
    await fireEvent.click(screen.getByTestId('import-apply'));
    await screen.findByTestId('import-result');
    expect(screen.getByTestId('import-result-refused')).toHaveTextContent('1 case you already have is left unchanged');
    expect((await fake.caseGet('case-mine')).stage).not.toBe('closed');
    expect((await fake.caseGet('case-other')).full_name).toBe('Павел');
  });

  it('keeps a contact book of partners: add with keys, see their words, remove after confirming', async () => {
    const { fake } = await importScreen(() => {});
    expect(await screen.findByTestId('partners-none')).toBeInTheDocument();
    expect(await screen.findByTestId('signing-key')).toHaveTextContent('ssh-ed25519 AAAAC3Nza');
    await type('partner-name', 'Memorial Yerevan');
    await type('partner-recipient', 'age1qpzry9x8gf2tvdw0s3jn54khce6mua7lqpzry9x8gf2tvdw0s3jn54kzzz');
    await type('partner-signing', 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOpKbGPinFIKvvVQexMuxfmVR3auvr57kkIe6mkURtIs');
    await fireEvent.click(screen.getByTestId('partner-add'));
    const row = await screen.findByTestId('partner');
    expect(row).toHaveTextContent('Memorial Yerevan');
    expect(row).toHaveTextContent('dazuno-feviha-tobako-rimesu');
    expect(fake.callsOf('partner_add')).toHaveLength(1);
    await fireEvent.click(within(row).getByTestId('partner-remove'));
    expect(screen.getByRole('alertdialog')).toHaveTextContent('Remove Memorial Yerevan?');
    await fireEvent.click(within(screen.getByRole('alertdialog')).getByRole('button', { name: 'Remove' }));
    expect(await screen.findByTestId('partners-none')).toBeInTheDocument();
    expect(fake.callsOf('partner_remove')).toEqual([{ name: 'Memorial Yerevan' }]);
  });

  it('shows a key another device added as unconfirmed, and confirms it once the words match', async () => {
    const key = 'age1qpzry9x8gf2tvdw0s3jn54khce6mua7lqpzry9x8gf2tvdw0s3jn54kzzz';
    const { fake } = await importScreen((f) => {
      f.partners.set('Memorial', {
        name: 'Memorial',
        note: '',
        recipients: [],
        signing_keys: [],
        keys: [
          {
            kind: 'recipient',
            key,
            fingerprint: 'SHA256:abcdefabcdefabcdefabcdefabcdefabcdefabcdefa',
            words: 'zuzibo-fiziru-bafege-jebivo',
            confirmed: false,
            usable: false,
            added_at: '2026-11-30T09:00:00.000Z',
            added_by: 'a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1',
            added_by_label: 'Timur',
            added_here: false,
            note: null,
          },
        ],
      });
    });
    const row = await screen.findByTestId('partner');
    expect(within(row).getByTestId('partner-unconfirmed')).toHaveTextContent('added on Timur, not confirmed on this computer');
    await fireEvent.click(within(row).getByTestId('partner-confirm'));
    const dialog = screen.getByRole('alertdialog');
    expect(within(dialog).getByTestId('partner-confirm-words')).toHaveTextContent('zuzibo-fiziru-bafege-jebivo');
    expect(dialog).toHaveTextContent('a number you already know');
    // Cancelling confirms nothing.
    await fireEvent.click(within(dialog).getByRole('button', { name: 'Cancel' }));
    expect(fake.callsOf('partner_confirm')).toEqual([]);
    await fireEvent.click(within(row).getByTestId('partner-confirm'));
    await fireEvent.click(within(screen.getByRole('alertdialog')).getByRole('button', { name: 'The words match' }));
    await waitFor(() => expect(screen.queryByTestId('partner-unconfirmed')).toBeNull());
    expect(fake.callsOf('partner_confirm')).toEqual([
      { name: 'Memorial', fingerprint: 'SHA256:abcdefabcdefabcdefabcdefabcdefabcdefabcdefa' },
    ]);
  });

  it('asks for the passphrase when the bundle has one, and says when it is wrong', async () => {
    const { fake } = await importScreen((f) => {
      f.putFile('/media/usb/cases.age', { passphrase: 'korova moloko sever', cases: [caseFile('c1', 'Иван Петров')] });
    });
    expect(screen.queryByTestId('import-passphrase')).toBeNull();
    await type('import-path', '/media/usb/cases.age');
    await fireEvent.click(screen.getByTestId('import-preview'));
    expect(await screen.findByTestId('import-passphrase')).toBeInTheDocument();
    expect(screen.getByTestId('error-message')).toHaveTextContent('This file is locked with a passphrase. Enter it below');
    await type('import-passphrase', 'wrong words');
    await fireEvent.click(screen.getByTestId('import-preview'));
    await waitFor(() => expect(screen.getByTestId('error-message')).toHaveTextContent('This passphrase does not open the file.'));
    expect(screen.getByTestId('import-passphrase')).toHaveAttribute('aria-invalid', 'true');
    await type('import-passphrase', 'korova moloko sever');
    await fireEvent.click(screen.getByTestId('import-preview'));
    expect(await screen.findByTestId('import-plan-create')).toHaveTextContent('1 new case');
    await fireEvent.click(screen.getByTestId('import-apply'));
    await screen.findByTestId('import-result');
    expect(fake.callsOf('import_preview')).toEqual([
      { path: '/media/usb/cases.age' },
      { path: '/media/usb/cases.age', passphrase: 'wrong words' },
      { path: '/media/usb/cases.age', passphrase: 'korova moloko sever' },
    ]);
    expect(fake.callsOf('import_apply')).toEqual([{ path: '/media/usb/cases.age', passphrase: 'korova moloko sever' }]);
    expect(screen.queryByTestId('import-conflicts')).toBeNull();
  });

  it('shows a broken or hostile bundle in plain words, with the core’s message under details', async () => {
    await importScreen((f) => {
      f.putFile('/tmp/evil.age', { broken: 'entry name ../../etc/passwd is not allowed' });
    });
    await type('import-path', '/tmp/evil.age');
    await fireEvent.click(screen.getByTestId('import-preview'));
    const error = await screen.findByTestId('error-message');
    expect(error).toHaveAttribute('data-code', 'bad_input');
    expect(error).toHaveTextContent('This file cannot be imported.');
    expect(error).toHaveTextContent('damaged or changed on the way');
    const details = within(error).getByText('Technical details').closest('details') as HTMLDetailsElement;
    expect(details.open).toBe(false);
    expect(details).toHaveTextContent('../../etc/passwd');
    expect(screen.queryByTestId('import-plan')).toBeNull();
  });

  it('says when the file cannot be opened, and when it was made for someone else', async () => {
    await importScreen((f) => {
      f.putFile('/tmp/other.age', { recipients: ['age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p'] });
      f.putFile('/tmp/huge.age', { bytes: 4100 * 1024 * 1024 });
    });
    await type('import-path', '/tmp/missing.age');
    await fireEvent.click(screen.getByTestId('import-preview'));
    expect(await screen.findByTestId('error-message')).toHaveTextContent('Casebook cannot open this file');
    expect(screen.getByTestId('import-path')).toHaveAttribute('aria-invalid', 'true');
    await type('import-path', '/tmp/huge.age');
    await fireEvent.click(screen.getByTestId('import-preview'));
    await waitFor(() => expect(screen.getByTestId('error-message')).toHaveTextContent('larger than 4 GiB'));
    await type('import-path', '/tmp/other.age');
    await fireEvent.click(screen.getByTestId('import-preview'));
    await waitFor(() => expect(screen.getByTestId('error-message')).toHaveTextContent('locked for another key than this vault’s'));
    expect(screen.getByTestId('error-message')).toHaveTextContent("not encrypted to this vault's key");
  });

  it('drops the plan when the path changes, and imports exactly the previewed file', async () => {
    const { fake } = await importScreen((f) => {
      f.putFile('/tmp/a.age', { cases: [caseFile('a1', 'Анна')] });
    });
    await type('import-path', '/tmp/a.age');
    await fireEvent.click(screen.getByTestId('import-preview'));
    await screen.findByTestId('import-plan');
    await type('import-path', '/tmp/b.age');
    expect(screen.queryByTestId('import-plan')).toBeNull();
    expect(fake.callsOf('import_apply')).toEqual([]);
  });

  it('an own export comes back unchanged', async () => {
    const { fake } = await importScreen((f) => f.seed(5));
    await fake.exportRun({ selection: { kind: 'all' }, profile: 'full', recipients: [FAKE_PUBLIC_KEY], path: '/tmp/own.age' });
    await type('import-path', '/tmp/own.age');
    await fireEvent.click(screen.getByTestId('import-preview'));
    expect(await screen.findByTestId('import-plan-create')).toHaveTextContent('0 new cases');
    expect(screen.getByTestId('import-plan-unchanged')).toHaveTextContent('5 unchanged');
    expect(screen.getByTestId('import-plan')).toHaveTextContent('This vault already has everything in the file');
    await fireEvent.click(screen.getByTestId('import-apply'));
    expect(await screen.findByTestId('import-result-counts')).toHaveTextContent('0 cases added, 0 updated, 5 unchanged.');
  });

  it('speaks Russian', async () => {
    setLanguage('ru');
    await importScreen((f) => {
      f.putFile('/tmp/r.age', { cases: [caseFile('r1', 'Пётр'), caseFile('r2', 'Олег')] });
    });
    expect(screen.getByRole('heading', { name: 'Открытый ключ этого хранилища' })).toBeInTheDocument();
    expect(screen.getByLabelText('Файл (полный путь)')).toBeInTheDocument();
    await type('import-path', '/tmp/r.age');
    await fireEvent.click(screen.getByTestId('import-preview'));
    expect(await screen.findByTestId('import-plan-create')).toHaveTextContent('2 новых дела');
    expect(screen.getByTestId('import-plan-profile')).toHaveTextContent('Всё');
    expect(screen.getByTestId('import-plan')).toHaveTextContent('В файле 0 заметок, 0 задач и 0 событий хронологии.');
    await fireEvent.click(screen.getByTestId('import-apply'));
    expect(await screen.findByTestId('import-result-counts')).toHaveTextContent('добавлено 2 дела, обновлено 0, без изменений 0.');
  });
});
