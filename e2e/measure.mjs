// Measures the desktop app's figures (not a test): cold start to the unlock screen, memory of
// the whole process tree with a large vault unlocked, and keystroke-to-updated-list latency.
// Usage (after `casebook bench --cases 20000 --dir /tmp/big` made a vault with the passphrase
// "bench passphrase"):
//   CASEBOOK_VAULT=/tmp/big/vault xvfb-run -a node measure.mjs
import { spawn, execSync } from 'node:child_process';
import { readFileSync, readdirSync, mkdtempSync } from 'node:fs';
import { tmpdir, homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { remote } from 'webdriverio';

const ROOT = resolve(import.meta.dirname, '..');
const APP = process.env.CASEBOOK_APP ?? join(ROOT, 'target', 'debug', 'casebook-desktop');
const DRIVER = process.env.TAURI_DRIVER ?? join(homedir(), '.cargo', 'bin', 'tauri-driver');
const PASS = process.env.CASEBOOK_MEASURE_PASSPHRASE ?? 'bench passphrase';

function treeRssMiB(rootPid) {
  const children = new Map();
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (!children.has(ppid)) children.set(ppid, []);
      children.get(ppid).push(Number(pid));
    } catch {}
  }
  let kib = 0;
  const names = [];
  const walk = (pid) => {
    try {
      const status = readFileSync(`/proc/${pid}/status`, 'utf8');
      const name = /Name:\s+(\S+)/.exec(status)[1];
      // PSS: shared library pages are split between the processes that map them.
      const pss = /Pss:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'));
      const rss = /VmRSS:\s+(\d+)/.exec(status);
      if (pss) { kib += Number(pss[1]); names.push(`${name}: pss ${Math.round(Number(pss[1]) / 1024)} MiB, rss ${Math.round(Number(rss?.[1] ?? 0) / 1024)} MiB`); }
    } catch {}
    for (const c of children.get(pid) ?? []) walk(c);
  };
  walk(rootPid);
  return { mib: kib / 1024, names };
}

const env = { ...process.env, CASEBOOK_CONFIG_DIR: mkdtempSync(join(tmpdir(), 'casebook-measure-')) };
const driver = spawn(DRIVER, ['--port', '4445', '--native-driver', '/usr/bin/WebKitWebDriver', '--native-port', '4446'], { env, stdio: 'ignore' });
await new Promise((r) => setTimeout(r, 1500));
const t0 = performance.now();
const browser = await remote({
  hostname: '127.0.0.1', port: 4445, logLevel: 'error',
  capabilities: { 'wdio:enforceWebDriverClassic': true, 'tauri:options': { application: APP } },
});
const $ = (id) => browser.$(`[data-testid="${id}"]`);
await $('passphrase').waitForDisplayed({ timeout: 30000, interval: 20 });
const coldStart = performance.now() - t0;
const appPid = Number(execSync(`pgrep -n -x casebook-deskto`).toString().trim());

await $('passphrase').setValue(PASS);
const tu = performance.now();
await $('unlock').click();
await $('search').waitForDisplayed({ timeout: 30000, interval: 20 });
const unlock = performance.now() - tu;
await browser.waitUntil(async () => (await browser.execute(() => document.querySelectorAll('[data-testid="case-row"]').length)) > 5, { timeout: 20000 });
const count = await browser.execute(() => document.querySelector('[data-testid="case-count"]')?.textContent);
await new Promise((r) => setTimeout(r, 3000));
const mem = treeRssMiB(appPid);

// Keystroke to updated list = the UI's debounce (30 ms, ui/src/lib/state/caseList.svelte.ts)
// + the search IPC round trip measured here in the page (200 rows, as the UI asks) + render.
const words = ['Ива', 'Ivan', 'Алекс', 'Aleks', 'Щук', 'Shch', 'Kuzn', 'Смир', 'Petr', 'Yuri', 'Серг', 'Orlo'];
const lat = await browser.executeAsync(async (words, done) => {
  const out = [];
  for (let round = 0; round < 5; round++) {
    for (const w of words) {
      const start = performance.now();
      await window.__TAURI_INTERNALS__.invoke('cases_query', {
        query: w, filter: { stage: null, country: null, riskLevel: null, due: null }, sort: 'updated', offset: 0, limit: 200,
      });
      if (round > 0) out.push(performance.now() - start); // round 0 warms the caches

    }
  }
  done(out);
}, words);
lat.sort((a, b) => a - b);
const pct = (p) => lat[Math.min(lat.length - 1, Math.round((lat.length - 1) * p))].toFixed(1);
console.log(JSON.stringify({
  cold_start_to_unlock_screen_ms: Math.round(coldStart),
  unlock_ms: Math.round(unlock),
  list_count: count,
  memory_process_tree_pss_mib: Math.round(mem.mib),
  processes: mem.names,
  search_ipc_round_trip_ms: { p50: pct(0.5), p95: pct(0.95), max: pct(1), n: lat.length },
  ui_debounce_ms: 30,
}, null, 2));
await browser.deleteSession();
driver.kill();
