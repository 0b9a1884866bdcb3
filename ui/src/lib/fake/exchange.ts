/**
 * The fake's exchange commands: this vault's keys, the partner contact book, export bundles
 * kept as in-memory "files", and imports that read them (see `ui/src/lib/fakeBackend.ts`).
 * The trust rules follow the core (docs/formats/bundle.md §7.1): only a verified bundle
 * changes a case this vault has; any other only creates.
 */
import type {
  CaseFile,
  ExportRequest,
  ExportSelection,
  Rarity,
  ExportSummary,
  ImportPlan,
  ImportPlanCase,
  ImportReport,
  ImportTrust,
  OwnKeysView,
  Partner,
  PartnerInput,
} from '../types';
import { IpcError } from '../types';
import { bad, canonical, clone, filePath, LIMITS, sleep } from './input';
import { FAKE_PUBLIC_KEY, FAKE_SIGNING_KEY, FAKE_VAULT_ID, MAX_BUNDLE_BYTES, type FakeBundle, type FakeState } from './state';

const AGE_KEY = /^age1[qpzry9x8gf2tvdw0s3jn54khce6mua7l]{58}$/;
const SSH_KEY = /^(ssh-ed25519 )?AAAAC3NzaC1lZDI1NTE5AAAAI[A-Za-z0-9+/]{43}=?$/;

export async function identity(s: FakeState): Promise<OwnKeysView> {
  s.record('identity_show');
  s.requireUnlocked();
  return {
    publicKey: FAKE_PUBLIC_KEY,
    signingKey: FAKE_SIGNING_KEY,
    fingerprint: 'SHA256:k0xPm1fUKtVKm8J6JzOZ8sQyF3ezBEMVnRyBR6n0MA4',
    words: 'zuzibo-fiziru-bafege-jebivo',
    allowedSigners: `casebook namespaces="casebook-bundle" ${FAKE_SIGNING_KEY}`,
  };
}

export async function partnerList(s: FakeState): Promise<Partner[]> {
  s.record('partner_list');
  s.requireUnlocked();
  return [...s.partners.values()].sort((a, b) => a.name.localeCompare(b.name)).map(clone);
}

export async function partnerAdd(s: FakeState, input: PartnerInput): Promise<Partner> {
  s.record('partner_add', clone(input));
  s.requireUnlocked();
  const name = input.name;
  if (name.trim() !== name || name.length === 0 || [...name].length > 200) {
    throw bad('partner', 'a partner’s name has 1 to 200 characters and no spaces at either end');
  }
  for (const r of input.recipients) if (!AGE_KEY.test(r.trim())) throw bad('recipient', 'not an age public key');
  for (const k of input.signing_keys) {
    if (!SSH_KEY.test(k.trim())) throw bad('signing key', 'it is not an Ed25519 SSH public key');
  }
  const found = [...s.partners.values()].find((p) => p.name.toLowerCase() === name.toLowerCase());
  if (!found && input.recipients.length + input.signing_keys.length === 0) {
    throw bad('key', 'give the partner’s age key and, to verify its bundles, its signing key');
  }
  const p: Partner = found ?? { name, note: '', recipients: [], signing_keys: [], keys: [] };
  if (input.note !== undefined) p.note = input.note;
  const add = (kind: 'recipient' | 'signing', key: string) => {
    if (p.keys.some((k) => k.kind === kind && k.key === key)) return;
    p.keys.push({
      kind,
      key,
      fingerprint: `SHA256:${key.slice(-43)}`,
      words: 'dazuno-feviha-tobako-rimesu',
      confirmed: true,
      usable: true,
      added_at: `${s.today}T09:00:00.000Z`,
      added_by: FAKE_VAULT_ID,
      added_by_label: null,
      added_here: true,
      note: input.note ?? null,
    });
  };
  for (const r of input.recipients) add('recipient', r.trim());
  for (const k of p.keys) {
    if (input.recipients.includes(k.key) || input.signing_keys.includes(k.key)) k.confirmed = k.usable = true;
  }
  for (const k of input.signing_keys) add('signing', k.trim().startsWith('ssh-ed25519 ') ? k.trim() : `ssh-ed25519 ${k.trim()}`);
  p.recipients = p.keys.filter((k) => k.kind === 'recipient' && k.usable).map((k) => k.key);
  p.signing_keys = p.keys.filter((k) => k.kind === 'signing' && k.usable).map((k) => k.key);
  s.partners.set(p.name, p);
  return clone(p);
}

export async function partnerConfirm(s: FakeState, name: string, fingerprint: string): Promise<Partner> {
  s.record('partner_confirm', { name, fingerprint });
  s.requireUnlocked();
  const p = [...s.partners.values()].find((x) => x.name.toLowerCase() === name.toLowerCase());
  if (!p) throw bad('partner', 'no partner of this name is in the contact book');
  const k = p.keys.find((x) => x.fingerprint === fingerprint || x.words === fingerprint.trim());
  if (!k) throw bad('fingerprint', 'no key of this partner has this fingerprint');
  k.confirmed = true;
  k.usable = true;
  p.recipients = p.keys.filter((x) => x.kind === 'recipient' && x.usable).map((x) => x.key);
  p.signing_keys = p.keys.filter((x) => x.kind === 'signing' && x.usable).map((x) => x.key);
  return clone(p);
}

export async function partnerRemove(s: FakeState, name: string): Promise<void> {
  s.record('partner_remove', { name });
  s.requireUnlocked();
  const found = [...s.partners.values()].find((p) => p.name.toLowerCase() === name.toLowerCase());
  if (!found) throw bad('partner', 'no partner of this name is in the contact book');
  s.partners.delete(found.name);
}

/** As the core's `export::rarity`: cases sharing category, stage, country, risk level and citizenship. */
export async function exportRarity(s: FakeState, selection: ExportSelection): Promise<Rarity> {
  s.record('export_rarity', clone({ selection }));
  s.requireUnlocked();
  const key = (c: CaseFile) =>
    JSON.stringify([c.category ?? null, c.stage, c.country ?? null, c.risk_level ?? null, c.citizenship]);
  const all = [...s.cases.values()];
  const counts = new Map<string, number>();
  for (const c of all) counts.set(key(c), (counts.get(key(c)) ?? 0) + 1);
  const chosen =
    selection.kind === 'all'
      ? all
      : selection.kind === 'stage'
        ? all.filter((c) => c.stage === selection.stage)
        : selection.kind === 'country'
          ? all.filter((c) => c.country === selection.country)
          : selection.ids.map((id) => s.cases.get(id)).filter((c): c is CaseFile => c !== undefined);
  const shares = chosen.map((c) => counts.get(key(c)) ?? 1);
  return {
    smallest: shares.length ? Math.min(...shares) : 0,
    rare: shares.filter((n) => n < 5).length,
    rare_below: 5,
  };
}

export async function exportRun(s: FakeState, request: ExportRequest): Promise<ExportSummary> {
  s.record('export_run', clone(request));
  s.requireUnlocked();
  const { selection, profile, passphrase, partner } = request;
  let recipients = request.recipients;
  if (!['full', 'no-identity', 'summary'].includes(profile)) throw bad('profile', 'expected full, no-identity or summary');
  if ([recipients, passphrase, partner].filter((x) => x !== undefined).length !== 1) {
    throw bad('recipient', 'give one of a partner, public keys or a passphrase');
  }
  if (partner !== undefined) {
    const p = [...s.partners.values()].find((q) => q.name.toLowerCase() === partner.toLowerCase());
    if (!p) throw bad('partner', 'no partner of this name is in the contact book');
    if (p.recipients.length === 0) throw bad('partner', 'this partner has no key confirmed on this device');
    recipients = [...p.recipients];
  }
  if (recipients !== undefined) {
    if (recipients.length === 0) throw bad('recipients', 'give at least one recipient');
    for (const r of recipients) {
      if (!AGE_KEY.test(r)) throw bad('recipients', `${r.slice(0, 20)} is not an age public key`);
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
    signer: 'own',
    ...(partner ? { made_for: partner } : {}),
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
    bundle_id: `6f1c2a4e-${String(s.files.size).padStart(4, '0')}-4000-8000-000000000000`,
    partner: partner ?? null,
    recipients: recipients ? [...recipients] : ['passphrase'],
  };
}

function trustOf(bundle: FakeBundle): ImportTrust {
  const cls = bundle.signer ?? 'partner';
  const addressed = bundle.passphrase !== undefined || (bundle.recipients ?? []).includes(FAKE_PUBLIC_KEY);
  return {
    class: cls,
    partner: cls === 'partner' ? (bundle.signed_by ?? 'Memorial Yerevan') : null,
    key: cls === 'unsigned' ? null : FAKE_SIGNING_KEY,
    fingerprint: cls === 'unsigned' ? null : 'SHA256:k0xPm1fUKtVKm8J6JzOZ8sQyF3ezBEMVnRyBR6n0MA4',
    addressed,
    made_for: bundle.made_for ?? null,
    verified: (cls === 'own' || cls === 'partner') && addressed,
  };
}

export async function importPreview(s: FakeState, path: string, passphrase?: string): Promise<ImportPlan> {
  s.record('import_preview', passphrase === undefined ? { path } : { path, passphrase });
  const bundle = await readBundle(s, path, passphrase);
  const trust = trustOf(bundle);
  const cases: ImportPlanCase[] = bundle.cases.map((c) => ({ id: c.id, name: c.full_name, action: actionFor(s, c, trust) }));
  const count = (a: string) => cases.filter((c) => c.action === a).length;
  const updates = bundle.cases
    .filter((c) => actionFor(s, c, trust) === 'update')
    .flatMap((c) => {
      const mine = s.cases.get(c.id) as CaseFile;
      return (['stage', 'city', 'risk_level', 'country'] as const)
        .filter((f) => mine[f] !== c[f])
        .map((f) => ({ case: c.id, record: c.id, kind: 'case', field: f, local: mine[f], incoming: c[f], action: 'apply' as const }));
    });
  return {
    signer: trust.class,
    trust,
    version: 2,
    bundle_id: '6f1c2a4e-0000-4000-8000-00000000aaaa',
    in_reply_to: null,
    already_imported: null,
    creates: count('create'),
    updates,
    refused: count('refused'),
    conflicts: 0,
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
  const report: ImportReport = { created: 0, updated: 0, unchanged: 0, refused: 0, conflicts: s.nextImportConflicts };
  s.nextImportConflicts = 0;
  const trust = trustOf(bundle);
  for (const c of bundle.cases) {
    const action = actionFor(s, c, trust);
    if (action === 'create') report.created++;
    else if (action === 'update') report.updated++;
    else if (action === 'refused') report.refused++;
    else report.unchanged++;
    if (action === 'create' || action === 'update') {
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
  if ((bundle.bytes ?? 0) > MAX_BUNDLE_BYTES) throw bad('path', `${full} is larger than 4 GiB: not a Casebook bundle`);
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

function actionFor(s: FakeState, c: CaseFile, trust: ImportTrust): 'create' | 'update' | 'unchanged' | 'refused' {
  const mine = s.cases.get(c.id);
  if (!mine) return 'create';
  if (!trust.verified) return 'refused';
  return canonical(mine) === canonical(c) ? 'unchanged' : 'update';
}
