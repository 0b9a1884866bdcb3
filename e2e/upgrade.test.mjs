// End-to-end test of `share upgrade` in the REAL desktop app (run after app.test.mjs by
// scripts/test-e2e.sh, with its own vault, share and app session): two vaults in a group made
// the way builds before rosters made them (examples/old_group.rs), the app's volunteer upgrades
// it and becomes coordinator, the other device (the CLI) finds its sync stopped with words that
// say what to do, joins again with a new invite and the code, and what it wrote meanwhile
// reaches the app. Screenshots: the old-group card with its confirmation, the upgraded group.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startApp, stopApp, writeSettings } from './session.mjs';

const ROOT = resolve(import.meta.dirname, '..');
const TARGET = process.env.CARGO_TARGET_DIR ?? join(ROOT, 'target');
const APP = process.env.CASEBOOK_APP ?? join(TARGET, 'debug', 'casebook-desktop');
const CLI = process.env.CASEBOOK_CLI ?? join(TARGET, 'debug', 'casebook');
const OLD_GROUP = process.env.CASEBOOK_OLD_GROUP ?? join(TARGET, 'debug', 'examples', 'old_group');
const SHOTS = join(ROOT, 'docs', 'screenshots');
const PASS = 'korrekt loshad batareya';
const PASS_2 = 'second device passphrase';

let session;
let browser;
let home;
let shareDir;

const $ = (id) => browser.$(`[data-testid="${id}"]`);
const shot = async (name) => {
  await browser.pause(150);
  execFileSync('import', ['-window', 'root', join(SHOTS, name)]);
};
const textOf = (id) =>
  browser.execute((id) => document.querySelector(`[data-testid="${id}"]`)?.textContent ?? '', id);

async function waitText(id, text, timeout = 15000) {
  try {
    await browser.waitUntil(async () => (await textOf(id)).includes(text), { timeout });
  } catch {
    await shot(`failure-upgrade-${id}.png`);
    assert.fail(`"${text}" never appeared in [data-testid=${id}]: ${JSON.stringify(await textOf(id))}`);
  }
}

/** The CLI as the other device of the old group (its own vault, the same share). */
function other(args, { input, words } = {}) {
  const env = {
    ...process.env,
    CASEBOOK_VAULT: join(home, 'vault-2'),
    CASEBOOK_PASSPHRASE: PASS_2,
    CASEBOOK_STATE_DIR: join(home, 'state'),
    ...(words ? { CASEBOOK_INVITE_PASSPHRASE: words } : {}),
  };
  return execFileSync(CLI, args, { env, input, encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'] });
}

before(async () => {
  home = mkdtempSync(join(tmpdir(), 'casebook-e2e-upgrade-'));
  shareDir = join(home, 'Sync', 'casebook');
  writeSettings(home);
  // One state folder (the vaults' high-water marks) for the tool, the app and the CLI, as on
  // the machines the two vaults would live on.
  const state = { CASEBOOK_STATE_DIR: join(home, 'state') };
  execFileSync(OLD_GROUP, [join(home, 'vault'), PASS, 'Coordinator laptop', join(home, 'vault-2'), PASS_2, 'Field phone', shareDir], {
    env: { ...process.env, ...state },
  });
  session = await startApp(APP, home, state);
  browser = session.browser;
});

after(() => stopApp(session));

test('an old group is upgraded in the app; the other device joins again by the code and loses nothing', async () => {
  await $('passphrase').waitForDisplayed({ timeout: 15000 });
  await $('passphrase').setValue(PASS);
  await $('unlock').click();
  await $('search').waitForDisplayed({ timeout: 30000 });
  await $('nav-sync').click();
  await $('old-group').waitForDisplayed({ timeout: 10000 });
  await waitText('old-group', 'no device can ever be removed');
  await waitText('devices', 'Field phone');
  await $('upgrade-group').click();
  await $('upgrade-confirm').waitForDisplayed();
  await $('old-group').scrollIntoView();
  await shot('sync-old-group.png');
  await $('upgrade-confirm-yes').click();
  await $('group-recovery-key').waitForDisplayed({ timeout: 30000 });
  assert.match(await textOf('group-recovery-key-text'), /^CBGR-[0-9A-Z-]+$/);
  await $('recovery-key-kept').click();
  assert.equal(await $('old-group').isExisting(), false, 'the old-group card stayed after the upgrade');
  await waitText('devices', 'old group: its history only');

  // The other device writes a case, and its sync stops with words that say what to do.
  const json = JSON.stringify({ full_name: 'Вера Смирнова', stage: 'first_contact', country: 'AM' });
  other(['case', 'add', '--json', '-'], { input: json });
  assert.throws(() => other(['sync']), (e) => /join again/.test(String(e.stderr)), 'the old device kept syncing');

  // A new invite from the app; the other device joins with it and reads out its code.
  await $('make-invite').scrollIntoView();
  await $('make-invite').click();
  await $('invite-text').waitForDisplayed({ timeout: 60000 });
  const invite = { text: await $('invite-text').getValue(), words: (await $('invite-passphrase').getText()).trim() };
  await $('invite-done').click();
  const inviteFile = join(home, 'invite.txt');
  writeFileSync(inviteFile, invite.text + '\n');
  const joined = other(['share', 'join', shareDir, '--invite', inviteFile], { words: invite.words });
  assert.match(joined, /^pending approval$/m, joined);
  const code = joined.match(/^code: ([0-9-]+)$/m)[1];

  await $('sync-now').click();
  await $('join-requests').waitForDisplayed({ timeout: 30000 });
  await $('approve-code').setValue(code);
  await $('approve-request').click();
  await browser.waitUntil(async () => !(await $('join-requests').isExisting()), { timeout: 30000 });
  other(['sync']);
  other(['sync']);
  const status = JSON.parse(other(['share', 'status', '--json']));
  assert.equal(status.state, 'member', JSON.stringify(status));

  // What the other device wrote after the upgrade reaches the app; nothing arrives twice.
  await $('sync-now').click();
  await waitText('summary-received', 'Field phone', 30000);
  await $('nav-cases').click();
  await $('search').waitForDisplayed();
  await browser.waitUntil(
    async () => (await browser.$$('[data-testid="case-row"]')).length === 3,
    { timeout: 15000, timeoutMsg: 'the app does not list the three cases of the group' },
  );
  const rows = await browser.execute(() =>
    [...document.querySelectorAll('[data-testid="case-row"]')].map((e) => e.textContent).join('\n'),
  );
  for (const name of ['Тимур Ахмедов', 'Павел Орлов', 'Вера Смирнова']) assert.match(rows, new RegExp(name));
  await $('nav-sync').click();
  await waitText('devices', 'Field phone');
  await shot('sync-upgraded.png');
});
