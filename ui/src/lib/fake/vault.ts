/** The fake's vault, session and settings commands (see `ui/src/lib/fakeBackend.ts`). */
import type { Settings, VaultStatus } from '../types';
import { IpcError } from '../types';
import { bad, sleep } from './input';
import type { FakeState } from './state';

export async function status(s: FakeState): Promise<VaultStatus> {
  s.record('vault_status');
  return { exists: s.exists, unlocked: s.unlocked, path: s.path, networkDrive: s.networkDrive };
}

export async function create(s: FakeState, passphrase: string): Promise<{ recoveryKey: string }> {
  s.record('vault_create', { passphrase });
  if (s.exists) throw new IpcError('vault_exists', 'a vault already exists here');
  if (!passphrase) throw bad('passphrase', 'it is required');
  await sleep(s.kdfDelayMs);
  s.passphrase = passphrase;
  s.exists = true;
  s.unlocked = true;
  return { recoveryKey: s.recoveryKey };
}

export async function unlock(s: FakeState, passphrase: string): Promise<void> {
  s.record('vault_unlock', { passphrase });
  if (!s.exists) throw new IpcError('vault_missing', 'no vault at the configured place');
  await sleep(s.kdfDelayMs);
  if (passphrase !== s.passphrase) throw new IpcError('wrong_key', 'wrong passphrase or recovery key');
  s.unlocked = true;
}

export async function lock(s: FakeState): Promise<void> {
  s.record('vault_lock');
  s.unlocked = false;
}

export async function changePassphrase(s: FakeState, current: string, next: string): Promise<void> {
  s.record('vault_change_passphrase', { current, next });
  s.requireUnlocked();
  await sleep(s.kdfDelayMs);
  if (current !== s.passphrase) throw new IpcError('wrong_key', 'wrong passphrase or recovery key');
  if (!next) throw bad('next', 'it is required');
  s.passphrase = next;
}

export async function touch(s: FakeState): Promise<void> {
  s.record('session_touch');
}

export async function settingsGet(s: FakeState): Promise<Settings> {
  s.record('settings_get');
  return { ...s.settings };
}

export async function settingsSet(s: FakeState, settings: Settings): Promise<Settings> {
  s.record('settings_set', { settings: { ...settings } });
  if (settings.language !== 'en' && settings.language !== 'ru') throw bad('language', 'expected en or ru');
  const m = settings.autoLockMinutes;
  if (!Number.isInteger(m) || m < 1 || m > 120) throw bad('autoLockMinutes', 'expected 1 to 120 minutes');
  if (![5, 15, 30, 60].includes(settings.publishMinutes)) throw bad('publishMinutes', 'expected 5, 15, 30 or 60');
  s.settings = { ...settings };
  return { ...s.settings };
}
