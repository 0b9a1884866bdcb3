/**
 * The fake's case commands: the paged, filtered and sorted list with a small
 * transliteration-aware name search, one case, and the edits (see `ui/src/lib/fakeBackend.ts`).
 */
import type { CaseFields, CaseFile, CaseInput, CasePage, CaseSummary, CaseUpdate, CasesQuery } from '../types';
import { IpcError } from '../types';
import { EVENT_KINDS, riskRank } from '../vocab';
import { addDays } from '../dates';
import { bad, clone, code, date, EMPTY_FIELDS, fieldValue, foldName, list, maxChars, NAME_ORDER, summary, text } from './input';
import type { FakeState } from './state';

export async function query(s: FakeState, q: CasesQuery): Promise<CasePage> {
  s.record('cases_query', clone(q));
  s.requireUnlocked();
  if (q.limit < 1 || q.limit > 500) throw bad('limit', 'expected 1 to 500');
  if (q.offset < 0) throw bad('offset', 'expected 0 or more');
  const f = q.filter;
  const week = addDays(s.today, 7);
  let rows = [...s.cases.values()]
    .filter((c) => !f.stage || c.stage === f.stage)
    .filter((c) => !f.country || c.country === f.country)
    .filter((c) => !f.riskLevel || c.risk_level === f.riskLevel)
    .filter((c) => {
      if (!f.due) return true;
      const limit = f.due === 'overdue' ? s.today : week;
      return c.tasks.some((t) => !t.done && t.due !== null && (f.due === 'overdue' ? t.due < limit : t.due <= limit));
    })
    .map(summary);
  // Every word of the query must appear in a name, in any script: "yuri zhuk" finds "Юрий Жуков".
  const needle = foldName(q.query.trim());
  const words = needle.split(/\s+/).filter(Boolean);
  if (needle) {
    rows = rows.filter((r) => {
      const c = s.cases.get(r.id) as CaseFile;
      const hay = [c.full_name, c.full_name_latin ?? '', ...c.aliases].map(foldName).join(' ');
      return words.every((w) => hay.includes(w));
    });
  }
  rows.sort(comparator(s, q.sort));
  if (needle) {
    const best = rows.slice(0, q.limit);
    return { total: best.length, rows: best };
  }
  return { total: rows.length, rows: rows.slice(q.offset, q.offset + q.limit) };
}

export async function get(s: FakeState, id: string): Promise<CaseFile> {
  s.record('case_get', { id });
  return clone(s.getCase(id));
}

export async function create(s: FakeState, input: CaseInput): Promise<{ id: string }> {
  s.record('case_create', { input: clone(input) });
  s.requireUnlocked();
  if (!('full_name' in input)) throw bad('full_name', 'it is required');
  const fields = validate(s, input as unknown as Record<string, unknown>, ['notes']);
  if (!fields.full_name) throw bad('full_name', 'it is required and cannot be empty');
  const notes = list('notes', input.notes).map((n) => text('notes', n, maxChars('notes', 'body'), true)).filter((n): n is string => !!n);
  const id = s.put({ ...(fields as Partial<CaseFields>), full_name: fields.full_name as string });
  const c = s.cases.get(id) as CaseFile;
  if (!c.stage) c.stage = 'first_contact';
  for (const body of notes) c.notes.unshift(s.note(body));
  s.unsent++;
  return { id };
}

export async function update(s: FakeState, id: string, input: CaseUpdate): Promise<void> {
  s.record('case_update', { id, input: clone(input) });
  const c = s.getCase(id);
  const fields = validate(s, input as Record<string, unknown>, []);
  if ('full_name' in fields && !fields.full_name) throw bad('full_name', 'it is required and cannot be empty');
  for (const [k, v] of Object.entries(fields)) {
    const empty = v === null || (Array.isArray(v) && v.length === 0);
    (c as unknown as Record<string, unknown>)[k] = empty
      ? (Array.isArray((EMPTY_FIELDS as Record<string, unknown>)[k]) ? [] : k === 'stage' ? 'first_contact' : null)
      : v;
  }
  c.updated_at = s.now();
  s.unsent++;
}

export async function remove(s: FakeState, id: string): Promise<void> {
  s.record('case_delete', { id });
  s.getCase(id);
  s.cases.delete(id);
  s.unsent++;
}

export async function addNote(s: FakeState, caseId: string, body: string): Promise<{ id: string }> {
  s.record('note_add', { caseId, text: body });
  const c = s.getCase(caseId);
  const t = text('text', body, maxChars('notes', 'body'), true);
  if (t === null) throw bad('text', 'a note cannot be empty');
  const note = s.note(t);
  c.notes.unshift(note);
  s.unsent++;
  c.updated_at = s.now();
  return { id: note.id };
}

export async function addTask(s: FakeState, caseId: string, title: string, due: string | null): Promise<{ id: string }> {
  s.record('task_add', { caseId, title, due });
  const c = s.getCase(caseId);
  const t = text('title', title, maxChars('tasks', 'title'));
  if (t === null) throw bad('title', 'a task needs a title');
  const d = date('due', due);
  const id = s.newId('task');
  c.tasks.push({ id, title: t, due: d, done: false });
  s.unsent++;
  c.updated_at = s.now();
  return { id };
}

export async function setTaskDone(s: FakeState, taskId: string, done: boolean): Promise<void> {
  s.record('task_set_done', { taskId, done });
  s.requireUnlocked();
  for (const c of s.cases.values()) {
    const task = c.tasks.find((t) => t.id === taskId);
    if (task) {
      task.done = done;
      s.unsent++;
      c.updated_at = s.now();
      return;
    }
  }
  throw new IpcError('not_found', 'no such task');
}

export async function addEvent(s: FakeState, caseId: string, eventDate: string, kind: string, body: string): Promise<{ id: string }> {
  s.record('event_add', { caseId, date: eventDate, kind, text: body });
  const c = s.getCase(caseId);
  const d = date('date', eventDate);
  if (d === null) throw bad('date', 'an event needs a date');
  const k = code('kind', kind, EVENT_KINDS);
  if (k === null) throw bad('kind', 'an event needs a kind');
  const id = s.newId('event');
  c.events.push({ id, date: d, kind: k, text: text('text', body, maxChars('events', 'text')) });
  s.unsent++;
  c.updated_at = s.now();
  return { id };
}

function validate(s: FakeState, input: Record<string, unknown>, extra: string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(input)) {
    if (extra.includes(k)) continue;
    out[k] = fieldValue(k, v);
  }
  return out;
}

function comparator(s: FakeState, sort: CasesQuery['sort']): (a: CaseSummary, b: CaseSummary) => number {
  const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  switch (sort) {
    case 'name':
      return (a, b) => NAME_ORDER.compare(a.full_name, b.full_name);
    case 'next_due':
      return (a, b) => cmp(a.next_due ?? '9999', b.next_due ?? '9999') || NAME_ORDER.compare(a.full_name, b.full_name);
    case 'risk':
      return (a, b) => riskRank(b.risk_level) - riskRank(a.risk_level) || cmp(b.updated_at, a.updated_at);
    case 'updated':
    default:
      return (a, b) => cmp(b.updated_at, a.updated_at) || cmp(b.id, a.id);
  }
}
