/**
 * The fake's exchange commands: this vault's public key, export bundles kept as in-memory
 * "files", and imports that read them (see `ui/src/lib/fakeBackend.ts`).
 */
import type { CaseFile, ExportRequest, ExportSummary, ImportPlan, ImportPlanCase, ImportReport } from '../types';
import { IpcError } from '../types';
import { bad, canonical, clone, filePath, LIMITS, sleep } from './input';
import { FAKE_PUBLIC_KEY, FAKE_VAULT_ID, MAX_BUNDLE_BYTES, type FakeBundle, type FakeState } from './state';

export async function identity(s: FakeState): Promise<{ publicKey: string }> {
  s.record('identity_show');
  s.requireUnlocked();
  return { publicKey: FAKE_PUBLIC_KEY };
}

export async function exportRun(s: FakeState, request: ExportRequest): Promise<ExportSummary> {
  s.record('export_run', clone(request));
  s.requireUnlocked();
  const { selection, profile, recipients, passphrase } = request;
  if (!['full', 'no-identity', 'summary'].includes(profile)) throw bad('profile', 'expected full, no-identity or summary');
  if ((recipients === undefined) === (passphrase === undefined)) {
    throw bad('recipients', 'give either recipients or a passphrase');
  }
  if (recipients !== undefined) {
    if (recipients.length === 0) throw bad('recipients', 'give at least one recipient');
    for (const r of recipients) {
      if (!/^age1[qpzry9x8gf2tvdw0s3jn54khce6mua7l]{58}$/.test(r)) throw bad('recipients', `${r.slice(0, 20)} is not an age public key`);
    }
  }
  if (passphrase !== undefined && [...passphrase].length < LIMITS.min_new_passphrase_chars) {
    throw bad('passphrase', `use at least ${LIMITS.min_new_passphrase_chars} characters`);
  }
  const path = filePath(request.path);
  if (s.files.has(path)) throw bad('path', `${path} already exists; Casebook never overwrites a file`);
  let chosen = [...s.cases.values()];
  switch (selection.kind) {
    case 'all':
      break;
    case 'stage':
      chosen = chosen.filter((c) => c.stage === selection.stage);
      break;
    case 'country':
      chosen = chosen.filter((c) => c.country === selection.country);
      break;
    case 'ids':
      for (const id of selection.ids) if (!s.cases.has(id)) throw new IpcError('not_found', `no case ${id}`);
      chosen = selection.ids.map((id) => s.cases.get(id) as CaseFile);
      break;
    default:
      throw bad('selection', 'unknown selection');
  }
  await sleep(s.exportDelayMs);
  const bundle: FakeBundle = {
    profile,
    vault_id: FAKE_VAULT_ID,
    exported_at: `${s.today}T12:00:00.000Z`,
    cases: clone(chosen),
    ...(recipients ? { recipients: [...recipients] } : { passphrase }),
  };
  bundle.bytes = 600 + JSON.stringify(bundle.cases).length;
  s.files.set(path, bundle);
  return {
    cases: chosen.length,
    notes: profile === 'full' ? chosen.reduce((n, c) => n + c.notes.length, 0) : 0,
    tasks: profile === 'summary' ? 0 : chosen.reduce((n, c) => n + c.tasks.length, 0),
    events: profile === 'summary' ? 0 : chosen.reduce((n, c) => n + c.events.length, 0),
    bytes: bundle.bytes,
    profile,
  };
}

export async function importPreview(s: FakeState, path: string, passphrase?: string): Promise<ImportPlan> {
  s.record('import_preview', passphrase === undefined ? { path } : { path, passphrase });
  const bundle = await readBundle(s, path, passphrase);
  const cases: ImportPlanCase[] = bundle.cases.map((c) => ({ id: c.id, name: c.full_name, action: actionFor(s, c) }));
  const count = (a: string) => cases.filter((c) => c.action === a).length;
  return {
    profile: bundle.profile,
    exported_at: bundle.exported_at,
    vault_id: bundle.vault_id,
    create: count('create'),
    update: count('update'),
    unchanged: count('unchanged'),
    notes: bundle.cases.reduce((n, c) => n + c.notes.length, 0),
    tasks: bundle.cases.reduce((n, c) => n + c.tasks.length, 0),
    events: bundle.cases.reduce((n, c) => n + c.events.length, 0),
    cases,
  };
}

export async function importApply(s: FakeState, path: string, passphrase?: string): Promise<ImportReport> {
  s.record('import_apply', passphrase === undefined ? { path } : { path, passphrase });
  const bundle = await readBundle(s, path, passphrase);
  const report: ImportReport = { created: 0, updated: 0, unchanged: 0, conflicts: s.nextImportConflicts };
  s.nextImportConflicts = 0;
  for (const c of bundle.cases) {
    const action = actionFor(s, c);
    if (action === 'create') report.created++;
    else if (action === 'update') report.updated++;
    else report.unchanged++;
    if (action !== 'unchanged') {
      s.cases.set(c.id, clone(c));
      s.unsent++;
    }
  }
  return report;
}

async function readBundle(s: FakeState, path: string, passphrase: string | undefined): Promise<FakeBundle> {
  s.requireUnlocked();
  const full = filePath(path);
  const bundle = s.files.get(full);
  if (!bundle) throw bad('path', `cannot open ${full}: No such file or directory (os error 2)`);
  if ((bundle.bytes ?? 0) > MAX_BUNDLE_BYTES) throw bad('path', `${full} is larger than 300 MiB`);
  await sleep(s.exportDelayMs);
  if (bundle.broken) throw bad('bundle', bundle.broken);
  if (bundle.passphrase !== undefined) {
    if (passphrase === undefined) throw bad('passphrase', 'this bundle is protected by a passphrase');
    if (passphrase !== bundle.passphrase) throw new IpcError('wrong_key', 'wrong passphrase or recovery key');
  } else if (!bundle.recipients?.includes(FAKE_PUBLIC_KEY)) {
    throw bad('bundle', "this bundle was not encrypted to this vault's key");
  }
  return bundle;
}

function actionFor(s: FakeState, c: CaseFile): 'create' | 'update' | 'unchanged' {
  const mine = s.cases.get(c.id);
  if (!mine) return 'create';
  return canonical(mine) === canonical(c) ? 'unchanged' : 'update';
}
