// Sync carried by REAL Syncthing (Debian's package): two Syncthing instances on 127.0.0.1 only
// (no global or local discovery, relays, NAT or usage reporting; explicit tcp:// addresses),
// each syncing one folder, and two vaults driven through the `casebook` CLI.
// Device A creates the share in folder 1, device B joins from folder 2, a case crosses, a
// concurrent edit converges with the conflict on both sides, Syncthing's own files are never
// reported as problems, a vault restored from a backup on B is caught before it writes and,
// joining again, loses nothing, and
// the share holds no plaintext. Every wait is bounded and asks Syncthing's REST API whether
// the folder is in sync (never a bare sleep); processes are stopped by pid.
// Run by scripts/test-syncthing.sh.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '..');
const CLI = process.env.CASEBOOK_CLI ?? join(ROOT, 'target', 'debug', 'casebook');
const SYNCTHING = process.env.SYNCTHING ?? '/usr/bin/syncthing';
const CANARY = 'Канарейка Syncthing';

let home;
const nodes = [];

function basePort() {
  return 20000 + (process.pid % 5000) * 2;
}

function sh(cmd, args, opts = {}) {
  return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'], ...opts });
}

/** Runs the CLI as device `n` (its own vault, and its own state folder for the high-water mark). */
function cb(n, args, input) {
  const env = {
    ...process.env,
    CASEBOOK_VAULT: join(home, `vault-${n}`),
    CASEBOOK_STATE_DIR: join(home, `state-${n}`),
    CASEBOOK_PASSPHRASE: `passphrase of device ${n}`,
    CASEBOOK_INVITE_PASSPHRASE: 'tobako-rimesu-kalepo-dunari',
  };
  return sh(CLI, args, { env, input });
}

function syncJson(n) {
  return JSON.parse(cb(n, ['sync', '--json']));
}

async function api(node, path, init = {}) {
  const res = await fetch(`http://127.0.0.1:${node.gui}${path}`, {
    ...init,
    headers: { 'X-API-Key': node.apiKey, ...(init.headers ?? {}) },
  });
  if (!res.ok) throw new Error(`${path}: HTTP ${res.status}`);
  const text = await res.text();
  return text ? JSON.parse(text) : null;
}

async function until(what, fn, timeoutMs = 60000) {
  const start = Date.now();
  let last;
  while (Date.now() - start < timeoutMs) {
    try {
      last = await fn();
      if (last) return last;
    } catch (e) {
      last = e.message;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  assert.fail(`${what}: not within ${timeoutMs} ms (last: ${JSON.stringify(last)})`);
}

/** Both instances agree the folder is fully in sync: rescanned, nothing needed, 100 % complete. */
async function settled() {
  for (const n of nodes) await api(n, '/rest/db/scan?folder=casebook', { method: 'POST' });
  await until('Syncthing to finish', async () => {
    for (const n of nodes) {
      const other = nodes.find((o) => o !== n);
      const status = await api(n, '/rest/db/status?folder=casebook');
      const done = await api(n, `/rest/db/completion?folder=casebook&device=${other.id}`);
      if (status.state !== 'idle' || status.needTotalItems !== 0 || done.completion !== 100) return false;
    }
    return true;
  });
}

function configure(node, other) {
  const file = join(node.home, 'config.xml');
  let xml = readFileSync(file, 'utf8');
  const folder = `<folder id="casebook" label="casebook" path="${node.dir}" type="sendreceive" rescanIntervalS="3600" fsWatcherEnabled="true" fsWatcherDelayS="1" ignorePerms="false" autoNormalize="true">
        <device id="${node.id}"></device>
        <device id="${other.id}"></device>
        <minDiskFree unit="%">0</minDiskFree>
        <versioning></versioning>
        <maxConflicts>10</maxConflicts>
    </folder>
    <device id="${other.id}" name="peer" compression="metadata" introducer="false" skipIntroductionRemovals="false" introducedBy="">
        <address>tcp://127.0.0.1:${other.listen}</address>
        <paused>false</paused>
        <autoAcceptFolders>false</autoAcceptFolders>
    </device>`;
  xml = xml.replace(/<folder [\s\S]*?<\/folder>\s*/g, '');
  xml = xml.replace(/(<device id="[^"]+"[^>]*>[\s\S]*?<\/device>)/, `$1\n    ${folder}`);
  xml = xml.replace(/<gui [^>]*>[\s\S]*?<\/gui>/, `<gui enabled="true" tls="false" debugging="false">
        <address>127.0.0.1:${node.gui}</address>
        <apikey>${node.apiKey}</apikey>
        <theme>default</theme>
    </gui>`);
  const opts = {
    listenAddress: `tcp://127.0.0.1:${node.listen}`,
    globalAnnounceEnabled: 'false',
    localAnnounceEnabled: 'false',
    relaysEnabled: 'false',
    natEnabled: 'false',
    urAccepted: '-1',
    autoUpgradeIntervalH: '0',
    crashReportingEnabled: 'false',
    startBrowser: 'false',
  };
  for (const [k, v] of Object.entries(opts)) {
    xml = xml.replace(new RegExp(`<${k}>[^<]*</${k}>`, 'g'), `<${k}>${v}</${k}>`);
  }
  writeFileSync(file, xml);
}

before(async () => {
  home = mkdtempSync(join(tmpdir(), 'casebook-syncthing-'));
  const port = basePort();
  for (const i of [0, 1]) {
    const node = {
      name: 'AB'[i],
      home: join(home, `st-${i}`),
      dir: join(home, `folder-${i}`),
      gui: port + i,
      listen: port + 100 + i,
      apiKey: `casebook-test-key-${i}-${process.pid}`,
    };
    mkdirSync(node.dir, { recursive: true });
    sh(SYNCTHING, ['generate', `--home=${node.home}`, '--no-default-folder', '--skip-port-probing']);
    node.id = sh(SYNCTHING, ['serve', `--home=${node.home}`, '--device-id']).trim();
    nodes.push(node);
  }
  configure(nodes[0], nodes[1]);
  configure(nodes[1], nodes[0]);
  for (const n of nodes) {
    n.proc = spawn(SYNCTHING, ['serve', `--home=${n.home}`, '--no-browser', '--no-restart', '--no-upgrade', `--logfile=${join(n.home, 'log')}`], {
      stdio: 'ignore',
      env: { ...process.env, STNODEFAULTFOLDER: '1', STNOUPGRADE: '1' },
    });
  }
  await until('both instances to answer', async () => {
    for (const n of nodes) await api(n, '/rest/system/ping');
    return true;
  });
  await until('the two instances to connect', async () => {
    const c = await api(nodes[0], '/rest/system/connections');
    return c.connections[nodes[1].id]?.connected === true;
  });
});

after(() => {
  for (const n of nodes) {
    try {
      process.kill(n.proc.pid, 'SIGTERM');
    } catch {
      // already gone
    }
  }
});

let caseId;

test('device A creates the share in folder 1, device B joins from folder 2, a case crosses', async () => {
  const weak = ['--kdf-memory-mib', '8', '--kdf-iterations', '1', '--kdf-parallelism', '1'];
  cb('a', ['init', ...weak]);
  cb('b', ['init', ...weak]);
  cb('a', ['share', 'create', nodes[0].dir, '--label', 'Field laptop']);
  cb('a', ['share', 'invite', '--out', join(home, 'invite.txt'), ...weak]);
  await settled();
  const joined = cb('b', ['share', 'join', nodes[1].dir, '--invite', join(home, 'invite.txt'), '--label', 'Office desktop']);
  assert.match(joined, /^pending approval$/m, joined);
  const code = joined.match(/^code: ([0-9-]+)$/m)[1];
  // The request reaches A through Syncthing; A types the code B reads out.
  await settled();
  syncJson('a');
  const requests = JSON.parse(cb('a', ['share', 'requests', '--json']));
  assert.equal(requests.length, 1, JSON.stringify(requests));
  assert.equal(requests[0].label, 'Office desktop');
  cb('a', ['share', 'approve', requests[0].device, '--code', code]);
  caseId = cb('a', ['case', 'add', '--json', '-'], JSON.stringify({ full_name: CANARY, country: 'GE' })).trim();
  syncJson('a');
  await settled();
  const b = syncJson('b');
  assert.deepEqual(b.problems, [], JSON.stringify(b.problems));
  assert.equal(JSON.parse(cb('b', ['case', 'show', caseId, '--json'])).full_name, CANARY);
  syncJson('b');
  await settled();
  const a = syncJson('a');
  assert.deepEqual(a.problems, []);
});

test('a concurrent edit converges with the conflict on both sides', async () => {
  cb('a', ['case', 'update', caseId, '--json', '-'], JSON.stringify({ stage: 'vetting' }));
  cb('b', ['case', 'update', caseId, '--json', '-'], JSON.stringify({ stage: 'exit' }));
  syncJson('a');
  syncJson('b');
  await settled();
  for (const n of ['a', 'b']) {
    const r = syncJson(n);
    assert.deepEqual(r.problems, [], `${n}: ${JSON.stringify(r.problems)}`);
    assert.deepEqual(r.alarms, [], `${n}: ${JSON.stringify(r.alarms)}`);
  }
  const stages = ['a', 'b'].map((n) => JSON.parse(cb(n, ['case', 'show', caseId, '--json'])).stage);
  assert.equal(stages[0], stages[1], 'both show the same stage');
  for (const n of ['a', 'b']) {
    const conflicts = JSON.parse(cb(n, ['conflicts', 'list', '--json']));
    assert.equal(conflicts.length, 1, `${n}: ${JSON.stringify(conflicts)}`);
    assert.deepEqual(conflicts[0].values.map((v) => v.value).sort(), ['exit', 'vetting']);
  }
});

test("Syncthing's own files are never reported as problems", async () => {
  // What Syncthing leaves in a folder: its marker, versions, temp files and conflict copies.
  const dir = nodes[1].dir;
  const devFolder = readdirSync(dir).find((f) => /^[0-9a-f]{32}$/.test(f));
  writeFileSync(join(dir, devFolder, '.syncthing.000000000009.delta.tmp'), 'partial');
  mkdirSync(join(dir, '.stversions'), { recursive: true });
  assert.ok(statSync(join(dir, '.stfolder')).isDirectory(), 'Syncthing made .stfolder');
  const r = syncJson('b');
  assert.deepEqual(r.problems, [], JSON.stringify(r.problems));
  rmSync(join(dir, devFolder, '.syncthing.000000000009.delta.tmp'));
});

test('a vault restored from a backup on B is caught before it writes, joins again and loses nothing', async () => {
  // The whole home folder is backed up and restored, the high-water mark with it, so that
  // only the share can tell (the mark's own path is tested in tests/sync_high_water.rs). In a
  // group with a roster the restored vault writes nothing more under the device it was: it
  // leaves and joins again as a new device (docs/formats/roster.md section 4.1: a second version
  // of its history would be a fork that removes it), and its unsent edit goes out then.
  const saved = ['vault-b', 'state-b'].map((d) => [join(home, d), join(home, `${d}-backup`)]);
  for (const [live, backup] of saved) cpSync(live, backup, { recursive: true });
  cb('b', ['case', 'update', caseId, '--json', '-'], JSON.stringify({ city: 'Батуми' }));
  syncJson('b');
  await settled();
  for (const [live, backup] of saved) {
    rmSync(live, { recursive: true });
    cpSync(backup, live, { recursive: true });
  }
  cb('b', ['case', 'update', caseId, '--json', '-'], JSON.stringify({ city: 'Кутаиси' }));
  const r = syncJson('b');
  const kinds = r.alarms.map((x) => x.kind);
  assert.ok(kinds.includes('vault_older_than_share') && kinds.includes('reenrol'), `told: ${JSON.stringify(r.alarms)}`);
  const older = r.alarms.find((x) => x.kind === 'vault_older_than_share');
  assert.match(older.detail, /the share holds delta/, `caught by the share, not by the mark: ${older.detail}`);
  assert.equal(r.sent_deltas, 0, 'nothing more is written under the old identity');
  await settled();
  const a = syncJson('a');
  assert.ok(!a.alarms.some((x) => x.kind === 'fork'), `no fork reached A: ${JSON.stringify(a.alarms)}`);
  assert.equal(JSON.parse(cb('a', ['case', 'show', caseId, '--json'])).city, 'Батуми');
  // B leaves and joins again as a new device: its unsent edit is not lost.
  cb('b', ['share', 'leave', '--reason', 'restored from a backup']);
  const weak = ['--kdf-memory-mib', '8', '--kdf-iterations', '1', '--kdf-parallelism', '1'];
  cb('a', ['share', 'invite', '--out', join(home, 'invite-again.txt'), ...weak]);
  await settled();
  const joined = cb('b', ['share', 'join', nodes[1].dir, '--invite', join(home, 'invite-again.txt')]);
  const code = joined.match(/^code: ([0-9-]+)$/m)[1];
  await settled();
  syncJson('a');
  const requests = JSON.parse(cb('a', ['share', 'requests', '--json']));
  cb('a', ['share', 'approve', requests[0].device, '--code', code]);
  await settled();
  syncJson('b');
  const again = syncJson('b');
  assert.deepEqual(again.problems, [], JSON.stringify(again.problems));
  await settled();
  syncJson('a');
  const conflicts = JSON.parse(cb('a', ['conflicts', 'list', '--json'])).filter((c) => c.field === 'city');
  const cities = conflicts.flatMap((c) => c.values.map((v) => v.value));
  const shown = JSON.parse(cb('a', ['case', 'show', caseId, '--json'])).city;
  assert.ok([shown, ...cities].includes('Кутаиси'), `the restored vault's edit reached A: ${shown}, ${cities}`);
});

test('the share holds no plaintext', () => {
  for (const n of nodes) {
    const walk = (d) =>
      readdirSync(d, { withFileTypes: true }).flatMap((e) =>
        e.isDirectory() ? walk(join(d, e.name)) : [join(d, e.name)],
      );
    for (const f of walk(n.dir)) {
      const bytes = readFileSync(f);
      for (const canary of [CANARY, 'Батуми', 'Кутаиси', 'Field laptop', 'Office desktop']) {
        assert.ok(!bytes.includes(Buffer.from(canary)), `${canary} in ${f}`);
      }
    }
  }
});
