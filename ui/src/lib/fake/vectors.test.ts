/**
 * The fake backend checks case input as the core does: every case vector of the core's
 * hostile-input suite (`tests/vectors/case_input/*.txt`, run against the core by
 * `tests/vectors.rs`) that is a JSON object gives the same outcome here — accepted, or
 * `bad_input` naming the same field. Vectors of bytes, or of text that is not a JSON object,
 * test the core's parser, which the IPC layer stands in front of: they are not run here.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createFakeBackend } from '../fakeBackend';
import { IpcError } from '../types';

const DIR = join(__dirname, '../../../../tests/vectors/case_input');

interface Vector {
  name: string;
  expect: string;
  table: string;
  purpose: string;
  body: string | null;
}

function expand(text: string): string {
  return text.replace(/<<repeat (\d+) (.*?)>>/gs, (_, n: string, t: string) => t.repeat(Number(n)));
}

function read(name: string): Vector {
  const raw = readFileSync(join(DIR, name), 'utf8');
  const at = raw.indexOf('\n---\n');
  const head = Object.fromEntries(
    raw
      .slice(0, at)
      .split('\n')
      .map((l) => [l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 1).trim()]),
  );
  const text = head.body === 'text' ? expand(raw.slice(at + 5).replace(/\n$/, '')) : null;
  return { name, expect: head.expect, table: head.table, purpose: head.purpose, body: text };
}

async function outcome(v: Vector, input: Record<string, unknown>): Promise<string> {
  const fake = createFakeBackend({ unlocked: true });
  try {
    if (v.purpose === 'create') {
      await fake.caseCreate(input as never);
    } else {
      const id = fake.put({ full_name: 'Existing' });
      await fake.caseUpdate(id, input as never);
    }
    return 'ok';
  } catch (e) {
    if (e instanceof IpcError && e.code === 'bad_input') return `error ${e.field ?? ''}`;
    return `failed: ${String(e)}`;
  }
}

describe("the core's case input vectors", () => {
  const vectors = readdirSync(DIR)
    .filter((f) => f.endsWith('.txt'))
    .sort()
    .map(read)
    .filter((v) => v.table === 'case');

  it('are all found', () => {
    expect(vectors.length).toBeGreaterThanOrEqual(38);
  });

  it('give the same outcome in the fake', async () => {
    const differ: string[] = [];
    let run = 0;
    for (const v of vectors) {
      if (v.body === null) continue; // bytes (an encoding test of the core's parser)
      let input: unknown = null;
      try {
        // The core reads a byte order mark as nothing (a file saved by Notepad).
        input = JSON.parse(v.body.replace(/^\uFEFF/, ""));
      } catch {
        input = null;
      }
      // Text the core's JSON reader refuses (repeated keys, lone surrogates, numbers beyond
      // range, deep nesting) never reaches the fake: the IPC layer parses before it.
      if (v.expect === 'error JSON' || input === null || typeof input !== 'object' || Array.isArray(input)) {
        expect(v.expect, `${v.name}: the core refuses it as JSON`).toBe('error JSON');
        continue;
      }
      run++;
      const got = await outcome(v, input as Record<string, unknown>);
      if (got !== v.expect) differ.push(`${v.name}: core ${v.expect}, fake ${got}`);
    }
    expect(differ).toEqual([]);
    expect(run).toBeGreaterThan(20);
  });
});
