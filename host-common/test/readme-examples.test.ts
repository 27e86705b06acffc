// The curl examples of README.md (and of docs/api.md, when it has ```sh blocks) run as printed
// against a real node process, and each answer is checked against what the document says it
// is — so the documents and the node cannot drift apart.
//
// The convention the documents follow:
//   - Only fenced blocks marked ```sh that contain a `curl` command are run (show other commands,
//     such as `npm start`, in ```console blocks). Each document's blocks run in order in one bash
//     session, against a fresh node of its own, from a temp dir whose `data/` is the node's data
//     dir. The node's owners are the `--tokens` of the document's first `npm start -- --tokens …`
//     line, if it has one; `http://127.0.0.1:8080` stands for the node's address.
//   - In such a block, every command is a `curl …` or a shell assignment `NAME=value`; a line
//     ending in `\`, or an unclosed single quote, continues on the next line. Comments and blank
//     lines are skipped; anything else fails the test.
//   - `# → STATUS example` on the lines after a command (continued on `#   ` lines) states its
//     answer: the status must be STATUS (without such a line: any 2xx). An example that is
//     complete JSON must have exactly the answer's keys, at every depth; an example shortened
//     with `…` must name only keys the answer has, and each `"key":value` it shows (a string,
//     number, boolean or null) must be in the answer — except values holding `…`, times and ids.
//   - `NAME=value   # ← … (.path)` sets NAME from the previous answer at `.path` (e.g.
//     `.order.id`); the printed value is only an example.
//   - `curl -N …` (a stream) runs for 2 seconds and must answer 200.

import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type NodeProcess, ROOT, startNodeProcess } from './process/node-process.ts';

// README.md must have examples; docs/api.md is the reference (shapes, held to the app by
// openapi.test.ts) and is run too when it shows ```sh examples.
const DOCUMENTS = [
  'README.md',
  ...['docs/api.md'].filter(
    (d) => existsSync(path.join(ROOT, d)) && readFileSync(path.join(ROOT, d), 'utf8').includes('```sh'),
  ),
];
const PLACEHOLDER_URL = 'http://127.0.0.1:8080';

interface Step {
  line: number; // 1-based, in the document
  command: string;
  /** Set this variable from the previous answer at this path, instead of running the command. */
  pick?: { name: string; path: string };
  expect?: { status: number; example: string };
}

/** The runnable steps of a document, by the convention above. */
export function stepsOf(text: string): Step[] {
  const lines = text.split('\n');
  const steps: Step[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (lines[i].trim() !== '```sh') continue;
    let end = i + 1;
    while (end < lines.length && lines[end].trim() !== '```') end++;
    const block = lines.slice(i + 1, end);
    if (block.some((l) => /^\s*curl\s/.test(l))) steps.push(...blockSteps(block, i + 2));
    i = end;
  }
  return steps;
}

function blockSteps(block: string[], firstLine: number): Step[] {
  const steps: Step[] = [];
  for (let j = 0; j < block.length; j++) {
    const raw = block[j];
    const line = firstLine + j;
    const arrow = /^\s*#\s*→\s*(\d{3})\s*(.*)$/.exec(raw);
    if (arrow) {
      const last = steps.at(-1);
      if (!last) throw new Error(`line ${line}: an answer with no command before it`);
      let example = arrow[2];
      while (j + 1 < block.length && /^\s*#\s{3,}\S/.test(block[j + 1])) example += block[++j].replace(/^\s*#\s*/, '');
      last.expect = { status: Number(arrow[1]), example: example.trim() };
      continue;
    }
    if (/^\s*(#.*)?$/.test(raw)) continue;
    let command = raw;
    while ((command.endsWith('\\') || quotesOpen(command)) && j + 1 < block.length) command += `\n${block[++j]}`;
    const pick = /^(\w+)=\S+\s+#\s*←.*\((\.[\w.[\]]+)\)\s*$/.exec(command);
    if (pick) steps.push({ line, command, pick: { name: pick[1], path: pick[2] } });
    else if (/^\w+=/.test(command) || /^curl\s/.test(command)) steps.push({ line, command });
    else throw new Error(`line ${line}: not a curl command or an assignment: ${command}`);
  }
  return steps;
}

/** Is a single-quoted string still open at the end of `s` (outside double quotes)? */
function quotesOpen(s: string): boolean {
  let single = false;
  let double = false;
  for (const c of s) {
    if (c === "'" && !double) single = !single;
    else if (c === '"' && !single) double = !double;
  }
  return single;
}

/** A bash process the steps run in, one after another. */
class Shell {
  private readonly bash: ChildProcessWithoutNullStreams;
  private out = '';
  private waiting: (() => void) | null = null;

  constructor(cwd: string) {
    this.bash = spawn('bash', ['--norc', '--noprofile'], { cwd, env: { ...process.env, LC_ALL: 'C' } });
    this.bash.stdout.setEncoding('utf8').on('data', (s: string) => {
      this.out += s;
      this.waiting?.();
    });
    this.bash.stderr.setEncoding('utf8').on('data', (s: string) => {
      this.out += s;
    });
    // every curl reports its status after the body; a stream is cut after 2 s
    this.bash.stdin.write(
      `curl() { local extra=(); for a in "$@"; do [ "$a" = -N ] && extra=(--max-time 2); done; command curl "\${extra[@]}" -w '\\n@@status %{http_code}\\n' "$@"; true; }\n`,
    );
  }

  /** Runs a command; resolves with what it printed. */
  async run(command: string, timeoutMs = 15_000): Promise<string> {
    this.out = '';
    const marker = `@@done-${Math.random().toString(36).slice(2)}`;
    this.bash.stdin.write(`${command}\necho ${marker}\n`);
    const deadline = Date.now() + timeoutMs;
    while (!this.out.includes(marker)) {
      if (Date.now() > deadline) throw new Error(`no end of ${command} in ${timeoutMs} ms; printed: ${this.out}`);
      await new Promise<void>((resolve) => {
        this.waiting = resolve;
        setTimeout(resolve, 100);
      });
    }
    return this.out.slice(0, this.out.indexOf(marker));
  }

  close(): void {
    this.bash.stdin.end();
    this.bash.kill();
  }
}

const ELIDED = '…';
const TIME = /^\d{4}-\d\d-\d\dT/;
const ID = /^[0-9a-f]{16}$|12D3KooW/;

/** Every key path of a JSON value ("order.oco.status", arrays as "[]"). */
function keyPaths(v: unknown, at = '', out = new Set<string>()): Set<string> {
  if (Array.isArray(v)) for (const x of v) keyPaths(x, `${at}[]`, out);
  else if (v !== null && typeof v === 'object') {
    for (const [k, x] of Object.entries(v)) {
      out.add(`${at}.${k}`);
      keyPaths(x, `${at}.${k}`, out);
    }
  }
  return out;
}

/** Every (key, scalar value) pair anywhere in a JSON value. */
function pairs(v: unknown, out: [string, unknown][] = []): [string, unknown][] {
  if (Array.isArray(v)) for (const x of v) pairs(x, out);
  else if (v !== null && typeof v === 'object') {
    for (const [k, x] of Object.entries(v)) {
      if (x === null || typeof x !== 'object') out.push([k, x]);
      else pairs(x, out);
    }
  }
  return out;
}

/** Checks an answer's body against the document's example; throws saying what differs. */
function checkExample(body: string, example: string, where: string): void {
  if (!/^[[{]/.test(example)) return; // a description, not JSON
  let answer: unknown;
  try {
    answer = JSON.parse(body);
  } catch {
    throw new Error(`${where}: the answer is not JSON: ${body}`);
  }
  if (!example.includes(ELIDED)) {
    const want = keyPaths(JSON.parse(example));
    const have = keyPaths(answer);
    expect([...have].sort(), `${where}: the answer's keys`).toEqual([...want].sort());
    return;
  }
  const have = pairs(answer);
  const haveKeys = new Set(
    have.map(([k]) => k).concat([...keyPaths(answer)].map((p) => p.slice(p.lastIndexOf('.') + 1))),
  );
  for (const m of example.matchAll(/"(\w+)":/g)) expect(haveKeys.has(m[1]), `${where}: key "${m[1]}"`).toBe(true);
  for (const m of example.matchAll(/"(\w+)":("(?:[^"\\]|\\.)*"|-?\d+(?:\.\d+)?|true|false|null)(?=[,}\]])/g)) {
    const value = JSON.parse(m[2]);
    if (typeof value === 'string' && (value.includes(ELIDED) || TIME.test(value) || ID.test(value))) continue;
    const found = have.some(([k, v]) => k === m[1] && v === value);
    expect(found, `${where}: "${m[1]}":${m[2]} in ${body}`).toBe(true);
  }
}

/** A value of the answer at a jq-like path: `.order.id`, `.results[0].order.id`. */
function at(value: unknown, p: string): unknown {
  let v = value;
  for (const part of p.match(/[^.[\]]+/g) ?? []) v = (v as Record<string, unknown>)?.[part];
  return v;
}

for (const doc of DOCUMENTS) {
  describe(`the examples of ${doc}, run as printed`, () => {
    let node: NodeProcess | null = null;
    let shell: Shell | null = null;
    let dir = '';
    afterAll(async () => {
      shell?.close();
      if (node) await node.stop('SIGTERM');
      if (dir) await fs.rm(dir, { recursive: true, force: true });
    });

    it('every curl example answers as the document says', { timeout: 120_000 }, async () => {
      const text = readFileSync(path.join(ROOT, doc), 'utf8');
      const steps = stepsOf(text);
      expect(steps.filter((s) => s.command.startsWith('curl')).length).toBeGreaterThan(0);
      const tokens = /npm start -- --tokens (\S+)/.exec(text)?.[1];
      dir = await fs.mkdtemp(path.join(os.tmpdir(), 'meshbook-readme-'));
      node = await startNodeProcess('node', {
        dataDir: path.join(dir, 'data'),
        args: [...(tokens ? ['--tokens', tokens] : []), '--no-mdns', '--no-dht'],
      });
      shell = new Shell(dir);
      let last: unknown = null;
      for (const step of steps) {
        const where = `${doc}:${step.line}`;
        if (step.pick) {
          const value = at(last, step.pick.path);
          expect(typeof value, `${where}: ${step.pick.path} of the previous answer`).toBe('string');
          await shell.run(`${step.pick.name}='${value}'`);
          continue;
        }
        const printed = await shell.run(step.command.replaceAll(PLACEHOLDER_URL, node.url));
        if (!step.command.startsWith('curl')) continue;
        const status = /\n?@@status (\d{3})\n?$/.exec(printed);
        if (status === null) throw new Error(`${where}: no answer from ${step.command}; printed: ${printed}`);
        const body = printed.slice(0, status.index);
        const code = Number(status[1]);
        if (step.expect) expect(code, `${where}: status; answer ${body}`).toBe(step.expect.status);
        else expect(code >= 200 && code < 300, `${where}: status ${code}; answer ${body}`).toBe(true);
        if (step.command.includes(' -N ')) continue;
        if (step.expect) checkExample(body, step.expect.example, where);
        try {
          last = JSON.parse(body);
        } catch {
          last = body;
        }
      }
    });
  });
}
