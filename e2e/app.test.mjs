// End-to-end tests of the REAL desktop app: the built binary driven through WebDriver
// (tauri-driver 2 + Debian's WebKitWebDriver), run under xvfb-run by scripts/test-e2e.sh.
// Each run uses a fresh vault, config folder and share folder in a temp dir; screenshots of
// the main screens are written to docs/screenshots/.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startApp, stopApp, writeSettings } from './session.mjs';

const ROOT = resolve(import.meta.dirname, '..');
const APP = process.env.CASEBOOK_APP ?? join(ROOT, 'target', 'debug', 'casebook-desktop');
// The CLI plays a second device of the sync group.
const CLI = process.env.CASEBOOK_CLI ?? join(ROOT, 'target', 'debug', 'casebook');
const SHOTS = join(ROOT, 'docs', 'screenshots');
const PASS = 'korrekt loshad batareya';
const XSS_NAME = '<img src=x onerror="window.__xss=1"> Иван';
const XSS_NOTE = '<script>window.__xss=2</script><b>bold?</b>';

let session;
let browser;
let home;
let shareDir;
let invite;

const $ = (id) => browser.$(`[data-testid="${id}"]`);
const $$ = (id) => browser.$$(`[data-testid="${id}"]`);
// The X screen, as a person sees it (WebKitWebDriver's own screenshot needs the accelerated
// compositing that the app turns off).
const shot = async (name) => {
  await browser.pause(150);
  execFileSync('import', ['-window', 'root', join(SHOTS, name)]);
};

async function waitText(id, text, timeout = 10000) {
  try {
    await browser.waitUntil(async () => (await textOf(id)).includes(text), { timeout });
  } catch {
    await shot(`failure-${id}.png`);
    assert.fail(`"${text}" never appeared in [data-testid=${id}]: ${JSON.stringify(await textOf(id))}`);
  }
}

async function rowsText() {
  return browser.execute(() =>
    [...document.querySelectorAll('[data-testid="case-row"]')].map((e) => e.textContent).join('\n'),
  );
}

async function textOf(id) {
  return browser.execute((id) => document.querySelector(`[data-testid="${id}"]`)?.textContent ?? '', id);
}

async function searchFor(q) {
  const box = await $('search');
  await box.waitForDisplayed({ timeout: 10000 });
  await box.click();
  await browser.keys('Escape'); // the list's own "clear the search" key (fires the events a person's typing does)
  if (q) await box.setValue(q);
  await browser.pause(400); // debounce + query
}

/** Waits until the visible case rows match `re` (the list loads asynchronously). */
async function expectRows(re, timeout = 10000) {
  let last = '';
  try {
    await browser.waitUntil(async () => re.test((last = await rowsText())), { timeout, interval: 200 });
  } catch {
    await shot('failure-rows.png');
    assert.fail(`case rows never matched ${re}; they showed: ${JSON.stringify(last)}`);
  }
}

before(async () => {
  assert.ok(existsSync(APP), `build the app first: ${APP} is missing`);
  mkdirSync(SHOTS, { recursive: true });
  home = mkdtempSync(join(tmpdir(), 'casebook-e2e-'));
  shareDir = join(home, 'Sync', 'casebook'); // created by the app
  // Automatic sync off until its own test: the other tests press "Sync now" and read its report.
  writeSettings(home);
  session = await startApp(APP, home);
  browser = session.browser;
});

after(() => stopApp(session));

test('first run creates a vault and shows the recovery key once', async () => {
  await $('passphrase').waitForDisplayed({ timeout: 15000 });
  await shot('01-create-vault.png');
  await $('passphrase').setValue(PASS);
  await $('passphrase-confirm').setValue(PASS);
  await $('create-vault').click();
  await $('recovery-key').waitForDisplayed({ timeout: 30000 });
  const key = await $('recovery-key').getText();
  assert.match(key.trim(), /^[0-9A-Z]{4}(-[0-9A-Z]{4}){7}$/);
  assert.equal(await $('recovery-continue').isEnabled(), false, 'continue must wait for the confirmation');
  await shot('02-recovery-key.png');
  await $('recovery-confirm').click();
  await $('recovery-continue').click();
  await $('search').waitForDisplayed({ timeout: 10000 });
});

test('a case with a Cyrillic name is added and found by a Latin spelling', async () => {
  await $('nav-new').click();
  await $('intake-full_name').waitForDisplayed();
  await $('intake-full_name').setValue('Александр Щукин');
  await $('intake-city').setValue('Ереван');
  await $('intake-note').setValue('Первый контакт через Signal');
  await shot('03-intake.png');
  await $('intake-save').click();
  await $('stage-select').waitForDisplayed({ timeout: 10000 });
  await $('nav-cases').click();
  await searchFor('Aleksandr Shchukin');
  await expectRows(/Александр Щукин/);
  await searchFor('alexander schukin');
  await expectRows(/Александр Щукин/);
  await shot('04-case-list-search.png');
});

test('the case is edited: stage, a task and a note', async () => {
  await $$('case-row')[0].click();
  await $('stage-select').waitForDisplayed();
  await $('stage-select').selectByAttribute('value', 'vetting');
  await $('task-title').setValue('Позвонить адвокату');
  // WebKitWebDriver cannot type into <input type=date>: set it as the date picker would.
  await browser.execute((v) => {
    const el = document.querySelector('[data-testid="task-due"]');
    el.value = v;
    el.dispatchEvent(new Event('input', { bubbles: true }));
    el.dispatchEvent(new Event('change', { bubbles: true }));
  }, '2030-01-15');
  await $('task-add').click();
  await waitText('task-list', 'Позвонить адвокату');
  await $('note-text').setValue('Second note, newest first');
  await $('note-add').click();
  await waitText('notes', 'Second note');
  const notes = await $$('note');
  assert.match(await notes[0].getText(), /Second note/);
  await shot('05-case-detail.png');
  // The stage change was saved: it survives a reload of the list.
  await $('nav-cases').click();
  await searchFor('Щукин');
  await expectRows(/Vetting|Проверка/);
});

test('lock clears the screen; a wrong passphrase is refused, the right one unlocks', async () => {
  await $('lock').click();
  await $('unlock').waitForDisplayed({ timeout: 10000 });
  const body = await browser.$('body').getText();
  assert.doesNotMatch(body, /Щукин|Aleksandr/, 'case data left on screen after lock');
  const stored = await browser.execute(() => JSON.stringify({ ...localStorage }) + JSON.stringify({ ...sessionStorage }));
  assert.doesNotMatch(stored, /Щукин|Shchukin|адвокат/, 'case data in webview storage');
  await $('passphrase').setValue('wrong passphrase');
  await $('unlock').click();
  await $('error-message').waitForDisplayed({ timeout: 30000 });
  await shot('06-unlock-wrong.png');
  await $('passphrase').clearValue();
  await $('passphrase').setValue(PASS);
  await $('unlock').click();
  await $('search').waitForDisplayed({ timeout: 30000 });
  await searchFor('Shchukin');
  await expectRows(/Александр Щукин/);
});

test('script in names and notes renders as text and runs nothing', async () => {
  await $('nav-new').click();
  await $('intake-full_name').waitForDisplayed();
  await $('intake-full_name').setValue(XSS_NAME);
  await $('intake-note').setValue(XSS_NOTE);
  await $('intake-save').click();
  await $('stage-select').waitForDisplayed({ timeout: 10000 });
  await waitText('notes', '<script>');
  const page = await browser.$('body').getText();
  assert.ok(page.includes('<img src=x'), 'the name must show as text');
  const state = await browser.execute(() => ({
    xss: window.__xss ?? null,
    imgs: document.querySelectorAll('img[src="x"]').length,
    scripts: [...document.querySelectorAll('script')].filter((s) => s.textContent.includes('__xss')).length,
    bold: [...document.querySelectorAll('b')].filter((b) => b.textContent === 'bold?').length,
  }));
  assert.deepEqual(state, { xss: null, imgs: 0, scripts: 0, bold: 0 });
});

test('the IPC rejects commands that are not in the app manifest', async () => {
  const results = await browser.executeAsync((done) => {
    const invoke = window.__TAURI_INTERNALS__.invoke;
    const tryCall = (cmd, args) =>
      invoke(cmd, args).then(() => 'allowed', (e) => 'rejected: ' + (typeof e === 'string' ? e : JSON.stringify(e)));
    Promise.all([
      tryCall('plugin:fs|read_text_file', { path: '/etc/passwd' }),
      tryCall('plugin:shell|execute', { program: 'sh', args: ['-c', 'id'] }),
      tryCall('not_a_command', {}),
      tryCall('vault_status', {}),
    ]).then(done);
  });
  assert.match(results[0], /^rejected/);
  assert.match(results[1], /^rejected/);
  assert.match(results[2], /^rejected/);
  assert.equal(results[3], 'allowed', 'the app\'s own command works through the same path');
});

test('switching to Russian shows Russian labels at once', async () => {
  await $('nav-settings').click();
  await $('language-select').waitForDisplayed();
  await $('language-select').selectByAttribute('value', 'ru');
  await waitText('nav-cases', 'Дела');
  await shot('07-settings-ru.png');
  await $('nav-cases').click();
  await searchFor('');
  await expectRows(/Александр Щукин[\s\S]*Иван|Иван[\s\S]*Александр Щукин/);
  await waitText('case-count', '2');
  await shot('08-case-list-ru.png');
  const nav = await $('nav-settings').getText();
  assert.match(nav, /Настройки/);
});

test('sync: a share in a temp folder, a new case sent, the device listed, an invite made', async () => {
  // The previous test switched to Russian; the screenshot is in English like the others.
  await $('nav-settings').click();
  await $('language-select').waitForDisplayed();
  await $('language-select').selectByAttribute('value', 'en');
  await waitText('nav-sync', 'Sync');
  await $('nav-sync').click();
  await $('create-path').waitForDisplayed({ timeout: 10000 });
  await $('create-path').setValue(shareDir);
  await $('create-label').setValue('Field laptop');
  await shot('sync-setup.png');
  await $('create-share').click();
  await waitText('share-path', shareDir, 15000);
  assert.ok(existsSync(join(shareDir, 'casebook.share')), 'the share marker was written');
  // The group recovery key, shown once.
  await $('group-recovery-key').waitForDisplayed({ timeout: 10000 });
  assert.match(await textOf('group-recovery-key-text'), /^CBGR-[0-9A-Z-]+$/);
  await shot('sync-recovery-key.png');
  await $('recovery-key-kept').click();

  await addCaseAndSync('Мария Соколова');
  assert.match(await textOf('summary-sent'), /Sent \d+ changes? to the share/);
  await waitText('devices', 'Field laptop');
  await waitText('devices', 'this computer');
  const mine = readdirSync(shareDir).filter((n) => /^[0-9a-f]{32}$/.test(n));
  assert.equal(mine.length, 1, `one device folder on the share: ${readdirSync(shareDir).join(', ')}`);
  const files = readdirSync(join(shareDir, mine[0]));
  assert.ok(files.includes('genesis.roster') && files.some((f) => /^\d{12}\.delta$/.test(f)), `device files: ${files.join(', ')}`);
  // Nothing of the case is readable on the share.
  const bytes = execFileSync('cat', files.map((f) => join(shareDir, mine[0], f)));
  assert.ok(!bytes.includes(Buffer.from('Соколова')) && !bytes.includes(Buffer.from('Field laptop')), 'plain text on the share');
  await shot('sync.png');

  await $('make-invite').scrollIntoView();
  await $('make-invite').click();
  await $('invite-text').waitForDisplayed({ timeout: 60000 });
  invite = { text: await $('invite-text').getValue(), words: (await $('invite-passphrase').getText()).trim() };
  await $('invite-card').scrollIntoView();
  await shot('sync-invite.png');
  assert.match(invite.text, /^CASEBOOK-INVITE-2:[0-9A-Z]+$/);
  assert.match(invite.words, /^[a-z]{6}(-[a-z]{6}){3}$/);
  await $('invite-done').click();
});

/** A new case from the intake form, then "Sync now" until it is sent. */
async function addCaseAndSync(name) {
  await $('nav-new').click();
  await $('intake-full_name').waitForDisplayed();
  await $('intake-full_name').setValue(name);
  await $('intake-save').click();
  await $('stage-select').waitForDisplayed({ timeout: 10000 });
  await $('nav-sync').click();
  await $('sync-now').waitForDisplayed({ timeout: 10000 });
  await $('sync-now').click();
  await waitText('summary-sent', 'Sent', 30000);
}

/** Runs the CLI as the second device (its own vault, the same share). */
function second(args, input) {
  const env = {
    ...process.env,
    CASEBOOK_VAULT: join(home, 'vault-2'),
    CASEBOOK_PASSPHRASE: 'second device passphrase',
    CASEBOOK_INVITE_PASSPHRASE: invite.words,
    CASEBOOK_STATE_DIR: join(home, 'state-2'),
  };
  return execFileSync(CLI, args, { env, input, encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'] });
}

test('a second device joins with the invite; a stage changed on both is reviewed and settled', async () => {
  assert.ok(invite, 'the previous test made an invite');
  assert.ok(existsSync(CLI), `build the CLI first: ${CLI} is missing`);
  const inviteFile = join(home, 'invite.txt');
  writeFileSync(inviteFile, invite.text + '\n');
  second(['init', '--kdf-memory-mib', '8', '--kdf-iterations', '1', '--kdf-parallelism', '1']);
  const joined = second(['share', 'join', shareDir, '--invite', inviteFile, '--label', 'Office desktop']);
  assert.match(joined, /^pending approval$/m, joined);
  const code = joined.match(/^code: ([0-9-]+)$/m)[1];
  // The app sees the request, and the volunteer types the code the other person reads out.
  await $('nav-sync').click();
  await $('sync-now').waitForDisplayed({ timeout: 10000 });
  await $('sync-now').click();
  await $('join-requests').waitForDisplayed({ timeout: 30000 });
  await waitText('join-requests', 'Office desktop');
  assert.ok(!(await textOf('join-requests')).includes(code), 'the approver side shows no code');
  await $('approve-code').setValue(code);
  await $('join-requests').scrollIntoView();
  await shot('sync-requests.png');
  await $('approve-request').click();
  await browser.waitUntil(async () => !(await $('join-requests').isExisting()), { timeout: 30000 });
  second(['sync']);
  const cases = JSON.parse(second(['case', 'list', '--json']));
  const maria = cases.find((c) => c.full_name === 'Мария Соколова');
  assert.ok(maria, `the second device received the case: ${cases.map((c) => c.full_name).join(', ')}`);
  second(['case', 'update', maria.id, '--json', '-'], JSON.stringify({ stage: 'exit' }));
  second(['sync']);

  // The same field changed here before this device has seen the other change.
  await $('nav-cases').click();
  await searchFor('Соколова');
  await expectRows(/Мария Соколова/);
  await $$('case-row')[0].click();
  await $('stage-select').waitForDisplayed();
  await $('stage-select').selectByAttribute('value', 'vetting');
  await browser.pause(500);

  await $('nav-sync').click();
  await $('sync-now').waitForDisplayed({ timeout: 10000 });
  await $('sync-now').click();
  await waitText('summary-received', 'Office desktop', 30000);
  await waitText('summary-conflicts', '1 new conflict');
  await waitText('devices', 'Office desktop');
  await waitText('conflicts', 'Stage');
  await waitText('conflicts', 'Мария Соколова');
  const values = await textOf('conflicts');
  assert.match(values, /Vetting/);
  assert.match(values, /Leaving Russia/);
  await $('conflicts').scrollIntoView();
  await shot('sync-conflict.png');

  await browser.$('button[aria-label="Keep this for Stage: Leaving Russia"]').click();
  await browser.waitUntil(async () => (await $$('conflict')).length === 0, { timeout: 10000 });
  await $('sync-now').click();
  await waitText('summary-sent', 'Sent', 30000);

  // The choice reached the other device: no conflict left there, the kept stage everywhere.
  second(['sync']);
  assert.deepEqual(JSON.parse(second(['conflicts', 'list', '--json'])), []);
  assert.equal(JSON.parse(second(['case', 'show', maria.id, '--json'])).stage, 'exit');
});

test('turned on in Settings, the app brings in another device’s new case by itself', async () => {
  await $('nav-sync').click();
  await $('auto-sync-off').waitForDisplayed({ timeout: 10000 });
  await $('nav-settings').click();
  await $('auto-sync').waitForDisplayed();
  await $('auto-sync').click();
  await browser.waitUntil(async () => await $('auto-sync').isSelected(), { timeout: 5000 });
  await $('auto-sync-settings').scrollIntoView();
  await shot('settings-auto-sync.png');
  const added = second(['case', 'add', '--json', '-'], JSON.stringify({ full_name: 'Тимур Алиев', country: 'KZ' })).trim();
  assert.match(added, /[0-9a-f-]{36}/);
  second(['sync']);
  // No click: the app looks at the share every 15 s and syncs once it is quiet.
  await $('nav-cases').click();
  await searchFor('Алиев');
  await expectRows(/Тимур Алиев/, 90000);
  await $('nav-sync').click();
  await waitText('sync-last-run', 'Last synced by itself', 10000);
  await waitText('summary-received', 'Office desktop', 10000);
  await shot('sync-auto.png');
});

test('export the cases to this vault’s own public key, then import the file back: nothing new', async () => {
  // This vault's public key, as a partner would be given it.
  await $('nav-import').click();
  await $('public-key').waitForDisplayed({ timeout: 15000 });
  const publicKey = (await $('public-key').getText()).trim();
  assert.match(publicKey, /^age1[02-9ac-hj-np-z]{58}$/);

  // Export the cases the list shows (no filter: all of them).
  await $('nav-cases').click();
  await searchFor('');
  await expectRows(/Мария Соколова/);
  const visible = Number((await textOf('case-count')).match(/\d+/)[0]);
  assert.ok(visible >= 3, `cases in the list: ${visible}`);
  await $('list-export').click();
  await $('export-screen').waitForDisplayed({ timeout: 10000 });
  await waitText('scope-count-all', `${visible} cases`);
  await $('export-next').click();
  await $('profile-preview').waitForDisplayed();
  await waitText('profile-removes', 'Real names');
  await shot('export.png');
  await browser.$('[data-testid="profile-full"] input').click();
  await waitText('profile-removes', 'Nothing');
  await $('export-next').click();
  await $('export-recipients').waitForDisplayed();
  await $('export-recipients').setValue(publicKey);
  await waitText('export-keys-ok', '1 public key recognised');
  await $('export-next').click();
  const file = join(home, 'casebook-export-e2e.age');
  await $('export-path').waitForDisplayed();
  await $('export-path').setValue(file);
  await $('export-run').click();
  await waitText('export-result', `Exported ${visible} cases`, 60000);
  await waitText('export-result-path', file);
  const bytes = readFileSync(file);
  assert.ok(bytes.subarray(0, 21).toString() === 'age-encryption.org/v1', 'an age file');
  assert.ok(!bytes.includes(Buffer.from('Соколова')) && !bytes.includes(Buffer.from('Щукин')), 'plain text in the bundle');
  assert.equal(statSync(file).mode & 0o777, 0o600, 'readable by its owner only');

  // The same path again is refused: a file is never overwritten.
  await $('export-again').click();
  await $('export-next').click();
  await $('export-next').click();
  await $('export-next').click();
  await $('export-path').waitForDisplayed();
  assert.equal(await $('export-path').getValue(), file);
  await $('export-run').click();
  await waitText('error-message', 'never overwrites', 30000);
  assert.deepEqual(bytes, readFileSync(file), 'the first file is untouched');

  // Import it back: every case is already here.
  await $('nav-import').click();
  await $('import-path').waitForDisplayed();
  await $('import-path').setValue(file);
  await $('import-preview').click();
  await waitText('import-plan-create', '0 new cases', 60000);
  await waitText('import-plan-unchanged', `${visible} unchanged`);
  await waitText('import-plan-profile', 'Everything');
  await waitText('import-plan-cases', 'Мария Соколова');
  // Who signed it, from the verified key: this vault's own signing key.
  await waitText('import-signer', 'Signed by this vault');
  await waitText('import-verified', 'It may update cases you have');
  await shot('import.png');
  await $('import-apply').click();
  await waitText('import-result-counts', `0 cases added, 0 updated, ${visible} unchanged.`, 60000);
  assert.equal(await $('import-conflicts').isExisting(), false, 'no conflicts from our own file');
});

test('a device whose vault was copied writes two versions: its changes are taken back, listed, and kept on request', async () => {
  // The second device's vault restored on another laptop with that laptop's backup of its
  // state (so the high-water mark cannot tell), then both write the same update number while
  // apart.
  const copyVault = join(home, 'vault-2-copy');
  execFileSync('cp', ['-a', join(home, 'vault-2'), copyVault]);
  execFileSync('cp', ['-a', join(home, 'state-2'), join(home, 'state-copy')]);
  const copy = (args, input) =>
    execFileSync(CLI, args, {
      env: { ...process.env, CASEBOOK_VAULT: copyVault, CASEBOOK_PASSPHRASE: 'second device passphrase', CASEBOOK_STATE_DIR: join(home, 'state-copy') },
      input,
      encoding: 'utf8',
      stdio: ['pipe', 'pipe', 'pipe'],
    });
  const cases = JSON.parse(second(['case', 'list', '--json']));
  const timur = cases.find((c) => c.full_name === 'Тимур Алиев');
  second(['case', 'update', timur.id, '--json', '-'], JSON.stringify({ city: 'Gyumri' }));
  second(['sync']);
  const folder = JSON.parse(second(['share', 'status', '--json'])).devices.find((d) => d.this_device).device;
  const deltas = readdirSync(join(shareDir, folder)).filter((f) => /^\d{12}\.delta$/.test(f)).sort();
  const last = deltas[deltas.length - 1];
  await $('nav-sync').click();
  await $('sync-now').waitForDisplayed({ timeout: 10000 });
  await $('sync-now').click();
  await waitText('summary-received', 'Office desktop', 30000);
  // The sync tool has not carried the original's update to the copy's laptop yet.
  const original = readFileSync(join(shareDir, folder, last));
  execFileSync('rm', [join(shareDir, folder, last)]);
  copy(['case', 'update', timur.id, '--json', '-'], JSON.stringify({ city: 'Vanadzor' }));
  copy(['sync']);
  // Then it meets both versions and keeps the original's as a conflict copy.
  writeFileSync(join(shareDir, folder, last.replace('.delta', '.sync-conflict-20261201-101010-E2ETEST.delta')), original);
  await $('sync-now').click();
  try {
    await $('quarantine').waitForDisplayed({ timeout: 30000 });
  } catch (e) {
    await shot('failure-quarantine.png');
    throw e;
  }
  await waitText('quarantine', 'Office desktop');
  await waitText('quarantine', 'taken back');
  await $('quarantine').scrollIntoView();
  await shot('sync-quarantine.png');
  await $('quarantine-accept').click();
  await waitText('quarantine', 'Keep them as this computer’s own changes?');
  await $('quarantine-confirm').click();
  await waitText('quarantine-accepted', 'Kept as this computer’s own changes', 30000);
  assert.equal(await $('quarantine-accept').isExisting(), false, 'accepted once');
  // The same card in Russian, as a volunteer reads it.
  await $('nav-settings').click();
  await $('language-select').waitForDisplayed();
  await $('language-select').selectByAttribute('value', 'ru');
  await waitText('nav-sync', 'Синхронизация');
  await $('nav-sync').click();
  await waitText('quarantine', 'Отменённые изменения', 15000);
  await waitText('quarantine-accepted', 'Сохранены как изменения этого компьютера');
  await $('quarantine').scrollIntoView();
  await shot('sync-quarantine-ru.png');
  await $('nav-settings').click();
  await $('language-select').waitForDisplayed();
  await $('language-select').selectByAttribute('value', 'en');
  await waitText('nav-sync', 'Sync');
});

test('a coordinator revokes the second device: it gets nothing written afterwards', async () => {
  await $('nav-sync').click();
  await $('sync-now').waitForDisplayed({ timeout: 10000 });
  await $('sync-now').click();
  await waitText('devices', 'Office desktop', 30000);
  await $('revoke-device').scrollIntoView();
  await $('revoke-device').click();
  await $('revoke-confirm').waitForDisplayed();
  await waitText('revoke-confirm', 'Syncthing');
  await $('revoke-reason').setValue('laptop seized at the border');
  await $('revoke-confirm-button').scrollIntoView();
  await shot('sync-revoke.png');
  await $('revoke-confirm-button').click();
  await browser.waitUntil(async () => !(await $('revoke-confirm').isExisting()), { timeout: 30000 });
  await waitText('devices', 'removed', 15000);
  await addCaseAndSync('Павел Воронин');
  second(['sync']);
  const names = JSON.parse(second(['case', 'list', '--json'])).map((c) => c.full_name);
  assert.ok(!names.includes('Павел Воронин'), `the revoked device read a new case: ${names.join(', ')}`);
  assert.equal(JSON.parse(second(['share', 'status', '--json'])).state, 'revoked');
});

test('screenshots were written', () => {
  const files = readdirSync(SHOTS).filter((f) => f.endsWith('.png'));
  assert.ok(files.length >= 19, `expected 19 screenshots, got ${files.join(', ')}`);
});
