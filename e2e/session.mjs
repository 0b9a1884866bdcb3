// One app session for an e2e test file: a fresh home (vault, config with automatic sync off,
// share folder), tauri-driver in front of Debian's WebKitWebDriver, the real app at 1366×768.
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { homedir } from 'node:os';
import { remote } from 'webdriverio';

const DRIVER = process.env.TAURI_DRIVER ?? join(homedir(), '.cargo', 'bin', 'tauri-driver');

/** Writes the config (the other tests press "Sync now"; automatic sync waits for its own test). */
export function writeSettings(home) {
  mkdirSync(join(home, 'config'), { recursive: true });
  writeFileSync(
    join(home, 'config', 'settings.json'),
    JSON.stringify({ language: 'en', autoLockMinutes: 5, autoSync: false, publishMinutes: 15 }),
  );
}

/** Starts the app on `home`'s vault and config, with `extraEnv`; returns { driver, browser }. */
export async function startApp(app, home, extraEnv = {}) {
  const env = {
    ...process.env,
    ...extraEnv,
    CASEBOOK_VAULT: join(home, 'vault'),
    CASEBOOK_CONFIG_DIR: join(home, 'config'),
  };
  const driver = spawn(DRIVER, ['--port', '4444', '--native-driver', '/usr/bin/WebKitWebDriver'], { env, stdio: 'ignore' });
  await new Promise((r) => setTimeout(r, 1500));
  const browser = await remote({
    hostname: '127.0.0.1',
    port: 4444,
    logLevel: 'warn',
    capabilities: { 'wdio:enforceWebDriverClassic': true, 'tauri:options': { application: app } },
  });
  await browser.setWindowSize(1366, 768).catch(() => {});
  return { driver, browser };
}

/** Ends the session and the driver. */
export async function stopApp(s) {
  await s?.browser?.deleteSession().catch(() => {});
  s?.driver?.kill();
}
