// Renders bench/results/core.json as Markdown: the headline (realistic mix, targets, memory)
// that bench/README.md carries, then every suite, the batch-size sweep and the latencies.
import type { Measurement } from './measure.ts';
import type { CoreResults, RuntimeRun, SuiteResult } from './results.ts';

export type { CoreResults, RuntimeRun };

const NAMES: Record<string, string> = {
  'wasm-raw': 'WASM batch, raw records (`executeRaw`)',
  'wasm-raw-cold': 'WASM batch, raw records, cold memory',
  'wasm-typed': 'WASM batch, typed objects (`execute`)',
  'wasm-one': 'WASM one command per call (`executeOne`)',
  twin: 'JS twin, raw records (`executeRaw`)',
  reference: 'core-as/reference (`execute`)',
  'nodejs-order-book': 'nodejs-order-book',
};

function ops(x: number): string {
  if (x >= 1e6) return `${(x / 1e6).toFixed(2)} M`;
  if (x >= 1e3) return `${(x / 1e3).toFixed(1)} k`;
  return x.toFixed(0);
}

function us(x: number): string {
  return x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2);
}

function ratio(a: number, b: number): string {
  return `${(a / b).toFixed(a / b >= 10 ? 0 : 1)}×`;
}

function label(m: Measurement): string {
  const b =
    m.subject === 'wasm-raw' ||
    m.subject === 'wasm-raw-cold' ||
    m.subject === 'wasm-typed' ||
    m.subject === 'twin' ||
    m.subject === 'reference'
      ? ` b=${m.batch}`
      : '';
  return `${NAMES[m.subject] ?? m.subject}${b}`;
}

function checkMark(m: Measurement): string {
  if (m.check.ok === true) return `✓ ${m.check.how}`;
  if (m.check.ok === false) return `✗ ${m.check.how}: ${m.check.reason}`;
  return `not compared (${m.check.reason?.replace(/^not compared: /, '')})`;
}

function table(head: string[], rows: string[][]): string {
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  return [line(head), line(head.map(() => '---')), ...rows.map(line)].join('\n');
}

function runtimeHead(runs: RuntimeRun[]): string[] {
  return runs.map((r) => `${r.runtime.runtime} ${r.runtime.version}`);
}

function suiteOf(run: RuntimeRun, id: string): SuiteResult | undefined {
  return run.suites.find((s) => s.id === id);
}

function find(run: RuntimeRun, id: string, subject: string, batch?: number): Measurement | undefined {
  return suiteOf(run, id)?.measurements.find(
    (m) => m.subject === subject && (batch === undefined || m.batch === batch),
  );
}

function allChecked(runs: RuntimeRun[]): string {
  let passes = 0;
  let compared = 0;
  const failed: string[] = [];
  for (const r of runs) {
    for (const s of r.suites) {
      for (const m of s.measurements) {
        passes += m.checkedPasses;
        if (m.check.ok !== null) compared += m.checkedPasses;
        if (m.check.ok === false) failed.push(`${r.runtime.runtime} ${s.id} ${label(m)}: ${m.check.reason}`);
      }
    }
  }
  return failed.length === 0
    ? `Every one of the ${passes} passes was checked against the reference; ${compared} compared equal (state hash for the WASM core; for the JS twin the state hash on its first pass and full depth, order and event count on every pass; full depth for the JS books), the others are runs of nodejs-order-book on streams it cannot express exactly (see below).`
    : `**${failed.length} runs disagree with the reference:** ${failed.join('; ')}`;
}

/** The suites whose WASM and JS twin rows the headline sets side by side. */
const TWIN_SUITES = ['realistic', 'realistic-big', 'deep-cancel', 'ladder', 'crossing'];

function headline(res: CoreResults): string {
  const runs = res.runs;
  const head = ['', ...runtimeHead(runs)];
  const real = suiteOf(runs[0], 'realistic');
  const out: string[] = [];
  const cell = (r: RuntimeRun, id: string, s: string, b?: number) => {
    const m = find(r, id, s, b);
    return m ? ops(m.opsPerSec) : '–';
  };
  const over = (r: RuntimeRun, id: string, a: string, b: string, batch?: number) => {
    const x = find(r, id, a, batch ?? 4096);
    const y = find(r, id, b, b === 'twin' ? (batch ?? 4096) : undefined);
    return x && y ? ratio(x.opsPerSec, y.opsPerSec) : '–';
  };
  if (real) {
    const subjects: [string, number | undefined][] = [
      ['wasm-raw', 4096],
      ['twin', 4096],
      ['wasm-raw-cold', 4096],
      ['wasm-typed', 4096],
      ['wasm-one', undefined],
      ['reference', undefined],
      ['nodejs-order-book', undefined],
    ];
    const rows = subjects.map(([s, b]) => {
      const first = find(runs[0], 'realistic', s, b);
      return [first ? label(first) : s, ...runs.map((r) => cell(r, 'realistic', s, b))];
    });
    rows.push(['**WASM batch ÷ JS twin**', ...runs.map((r) => over(r, 'realistic', 'wasm-raw', 'twin'))]);
    rows.push(['**WASM batch ÷ reference**', ...runs.map((r) => over(r, 'realistic', 'wasm-raw', 'reference'))]);
    rows.push([
      '**WASM batch ÷ nodejs-order-book**',
      ...runs.map((r) => over(r, 'realistic', 'wasm-raw', 'nodejs-order-book')),
    ]);
    out.push(`**${real.title}** — commands per second, median of the timed passes:\n\n${table(head, rows)}`);
  }

  // WASM against the same algorithm and layout in JS, on every suite and batch size: the ratio of
  // median pass throughputs, and the ratio of per-call p50 latencies from the latency pass (many
  // calls, so a burst of load on the shared machine moves it less than a 7-pass median)
  const twinRows: string[][] = [];
  for (const id of TWIN_SUITES) {
    const s = suiteOf(runs[0], id);
    if (!s) continue;
    for (const m of s.measurements.filter((x) => x.subject === 'wasm-raw')) {
      const b = m.batch;
      twinRows.push([
        `${id}, b=${b}`,
        ...runs.map((r) => {
          const w = find(r, id, 'wasm-raw', b);
          const t = find(r, id, 'twin', b);
          const p50 = w?.latency && t?.latency ? `; p50 per call **${ratio(t.latency.p50Us, w.latency.p50Us)}**` : '';
          return `${cell(r, id, 'wasm-raw', b)} / ${cell(r, id, 'twin', b)} = **${over(r, id, 'wasm-raw', 'twin', b)}**${p50}`;
        }),
      ]);
    }
  }
  if (twinRows.length > 0)
    out.push(
      `**WASM ÷ JS twin** — the same algorithm, records and events in plain TypeScript (\`core-as/twin\`), fed the same command records. Each cell: WASM ops/s / twin ops/s = how many times faster the WASM core is (below 1× the twin wins), then the same from the p50 latency of one call (twin p50 ÷ WASM p50).\n\n${table(['suite, commands per call', ...runtimeHead(runs)], twinRows)}`,
    );

  const targets: string[][] = [];
  const at = (r: RuntimeRun, id: string) => find(r, id, 'wasm-raw', 4096)?.opsPerSec ?? NaN;
  const mark = (ok: boolean) => (ok ? '✓' : '✗');
  const goals: [string, string, number][] = [
    ['realistic', 'WASM batch ≥ 12 M ops/s, realistic mix on 100k resting', 12e6],
    ['deep-cancel', 'WASM batch ≥ 8 M ops/s, deep-book cancel-heavy mix', 8e6],
    ['realistic-big', 'WASM batch ≥ 6 M ops/s, realistic mix on 1M resting', 6e6],
  ];
  for (const [id, what, goal] of goals) {
    if (!suiteOf(runs[0], id)) continue;
    targets.push([what, ...runs.map((r) => `${mark(at(r, id) >= goal)} ${ops(at(r, id))}`)]);
    const best = Math.max(...runs.map((r) => at(r, id)));
    targets.push([
      `  every runtime within 25 % of the best (${id})`,
      ...runs.map((r) => `${mark(at(r, id) >= 0.75 * best)} ${((100 * at(r, id)) / best).toFixed(0)} %`),
    ]);
  }
  const mem = runs[0].memory;
  if (mem) {
    targets.push([
      `${mem.orders.toLocaleString('en-US')} resting orders: ≤ 100 B per order (WASM linear memory)`,
      ...runs.map((r) =>
        r.memory ? `${mark(r.memory.wasm.linearPerOrder <= 100)} ${r.memory.wasm.linearPerOrder.toFixed(1)} B` : '–',
      ),
    ]);
  }
  out.push(`Targets, in this run:\n\n${table(['target', ...runtimeHead(runs)], targets)}`);

  if (mem) {
    const per = (f: (m: NonNullable<RuntimeRun['memory']>) => string) =>
      runs.map((r) => (r.memory ? f(r.memory) : '–'));
    const memRows = [
      ['WASM: whole linear memory', ...per((m) => `${m.wasm.linearPerOrder.toFixed(1)} B`)],
      ['WASM: book structures (orders, levels, id index)', ...per((m) => `${m.wasm.bookPerOrder.toFixed(1)} B`)],
      [
        'JS twin: typed arrays (orders, levels, id index)',
        ...per((m) => (m.twin ? `${m.twin.perOrder.toFixed(1)} B` : 'n/a')),
      ],
      ['core-as/reference: JS heap', ...per((m) => (m.reference ? `${m.reference.perOrder.toFixed(0)} B` : 'n/a'))],
      [
        'nodejs-order-book: JS heap',
        ...per((m) => (m.nodejsOrderBook ? `${m.nodejsOrderBook.perOrder.toFixed(0)} B` : 'n/a')),
      ],
    ];
    const checks = runs.every(
      (r) =>
        !r.memory ||
        (r.memory.wasm.hashMatches &&
          r.memory.twin?.hashMatches !== false &&
          r.memory.nodejsOrderBook?.depthMatches !== false),
    )
      ? "The books held the same orders: the WASM and JS twin state hashes and nodejs-order-book's full depth equal the reference's."
      : '**A book built for the memory measurement differs from the reference.**';
    out.push(
      `Memory per resting order with ${mem.orders.toLocaleString('en-US')} resting orders, built by commands. ${checks}\n\n${table(['book', ...runtimeHead(runs)], memRows)}`,
    );
  }

  out.push(machineLine(res));
  return out.join('\n\n');
}

function machineLine(res: CoreResults): string {
  const rt = res.runs
    .map(
      (r) =>
        `${r.runtime.runtime} ${r.runtime.version} (${r.runtime.engine}; ${r.wallSeconds.toFixed(0)} s, load average ${r.loadAverage.map((x) => x.toFixed(1)).join(' → ')})`,
    )
    .join(', ');
  return (
    `Machine: ${res.machine.cpu}, ${res.machine.cores} cores, ${res.machine.memoryGiB} GiB, ${res.machine.os}. Runtimes: ${rt}. ` +
    `Core: commit ${res.core.commit}${res.core.coreAsDirty ? ' with uncommitted changes in core-as' : ''}, release.wasm sha256 ${res.core.releaseWasmSha256}…. ` +
    `nodejs-order-book ${res.packages['nodejs-order-book']}, tinybench ${res.packages.tinybench}, AssemblyScript ${res.packages.assemblyscript}. ` +
    `\`${res.command}\`, ${res.profile} profile, ${res.totalSeconds.toFixed(0)} s in all, ${res.generatedAt}.`
  );
}

function suiteTable(runs: RuntimeRun[], s: SuiteResult): string {
  const head = ['engine / path', ...runs.flatMap((r) => [`${r.runtime.runtime} ops/s (min–max)`])];
  const rows = s.measurements.map((m0, i) => [
    label(m0),
    ...runs.map((r) => {
      const m = suiteOf(r, s.id)?.measurements[i];
      return m ? `${ops(m.opsPerSec)} (${ops(m.opsPerSecMin)}–${ops(m.opsPerSecMax)})` : '–';
    }),
  ]);
  const checks = s.measurements.map((m0, i) => {
    const marks = runs
      .map((r) => suiteOf(r, s.id)?.measurements[i])
      .filter((m): m is Measurement => m !== undefined)
      .map(checkMark);
    return `${label(m0)}: ${[...new Set(marks)].join('; ')}`;
  });
  const m0 = s.measurements[0];
  const sampling = `${m0.passMs.length} timed passes each (the JS books: ${s.measurements.at(-1)?.passMs.length})`;
  return (
    `### ${s.title}\n\nReference final state: ${s.truth.orders.toLocaleString('en-US')} resting orders, ${s.truth.events.toLocaleString('en-US')} events, hash ${s.truth.hash}. ${sampling}.\n\n` +
    `${table(head, rows)}\n\nChecks: ${checks.map((c) => `\n- ${c}`).join('')}`
  );
}

function sweepTable(runs: RuntimeRun[]): string {
  const s = suiteOf(runs[0], 'realistic');
  if (!s) return '';
  const rows: string[][] = [];
  for (const m0 of s.measurements.filter(
    (m) => m.subject === 'wasm-raw' || m.subject === 'twin' || m.subject === 'wasm-typed' || m.subject === 'wasm-one',
  )) {
    rows.push([
      label(m0),
      ...runs.map((r) => {
        const m = find(r, 'realistic', m0.subject, m0.batch);
        if (!m?.latency) return '–';
        const l = m.latency;
        return `${ops(m.opsPerSec)}; ${us(l.p50Us)} / ${us(l.p99Us)} µs; ${l.perCommandP50Ns.toFixed(0)} ns`;
      }),
    ]);
  }
  return (
    `### Batch size: what the JS/WASM boundary costs, and the JS twin at the same sizes (realistic mix)\n\nEach cell: ops/s (median pass); p50 / p99 latency of one call (one batch of b commands, or one command); p50 per command (= p50 / b).\n\n` +
    table(['path', ...runtimeHead(runs)], rows)
  );
}

function latencyTable(runs: RuntimeRun[]): string {
  const rows: string[][] = [];
  for (const s of runs[0].suites) {
    for (const m0 of s.measurements) {
      if (!m0.latency) continue;
      rows.push([
        `${s.id}`,
        `${label(m0)}${m0.latency.batch !== m0.batch ? ` (timed b=${m0.latency.batch})` : ''}`,
        ...runs.map((r) => {
          const m = suiteOf(r, s.id)?.measurements.find((x) => x.subject === m0.subject && x.batch === m0.batch);
          return m?.latency ? `${us(m.latency.p50Us)} / ${us(m.latency.p99Us)} / ${us(m.latency.maxUs)}` : '–';
        }),
      ]);
    }
  }
  const overhead = runs
    .map((r) => {
      const m = r.suites.flatMap((s) => s.measurements).find((x) => x.latency);
      return `${r.runtime.runtime} ${m?.latency?.timerOverheadNs.toFixed(0) ?? '?'} ns`;
    })
    .join(', ');
  return (
    `### Latency of one call, every suite\n\np50 / p99 / max in µs, from one extra pass timed call by call (timer overhead subtracted: ${overhead}).\n\n` +
    table(['suite', 'path', ...runtimeHead(runs)], rows)
  );
}

const NOTES = `### How it was measured

- Streams are seeded (\`core-as/gen\`) and generated once per runtime, outside the timed region, as
  \`Command\` objects and as encoded command records (80 bytes each). The realistic mix is \`MIXES.realistic\`
  (per 100 commands ~40 amends, 27 places near the touch, 20 cancels, 7 reduces, a few
  market/IOC/FOK orders); its book is pre-filled with
  passive GTC limits around the mid (about 100 per level, denser near the touch).
- A sample is one whole pass over the stream from the same starting book: the WASM core restores a
  snapshot (\`engine.restore\`), the JS books are rebuilt from the prefill, and a full GC runs, all
  before the timer starts. ops/s = commands ÷ median pass time (tinybench, \`time: 0\`, fixed
  iterations, warm-up passes first for the WASM paths).
- Latency: one more pass, timed call by call by tinybench (hrtime on Node, \`performance.now\` on
  Deno, \`Bun.nanoseconds\` on Bun), its calibrated timer overhead subtracted.
- Checks: after every pass (warm-up, timed and latency) the WASM core's state hash and order count
  must equal the reference's on the same stream; the reference and nodejs-order-book must match the
  reference's full depth (price, quantity and order count of every level).
- Memory: WASM = \`engine.memory()\` (whole linear memory, and the book's own structures);
  JS books = heap in use after a forced full GC minus the same before building (Node and Deno
  \`--expose-gc\`, Bun \`Bun.gc(true)\`; \`process.memoryUsage\` / \`Deno.memoryUsage\`).
- nodejs-order-book gets the same commands translated outside the timed region: ticks and lots
  become JS numbers (exact below 2^53), ids and owners strings, self-trade prevention
  \`accountId\` + \`EXPIRE_MAKER\` (our cancel-resting); an amend that moves the price or raises
  the quantity is \`cancel\` + \`limit\` (a post-only move that would cross is refused, as ours
  is). It cannot express the same way: a **reduce** or an amend lowering the quantity in place
  (its \`modify\` re-queues the order and drops its accountId), **FOK** (its fill check counts the
  taker's own orders, which ours cancels), **market FOK** (none; sent as a market order). Runs
  that met any of these are timed but its depth is not compared; (3') shows the translation of
  everything else is exact.`;

export function renderCore(res: CoreResults, opts: { headlineOnly?: boolean } = {}): string {
  const head = headline(res);
  if (opts.headlineOnly)
    return `${head}\n\nAll suites, the batch-size sweep and latencies: [results/core.md](results/core.md).`;
  const runs = res.runs;
  return `${[
    `# meshbook core benchmark`,
    head,
    allChecked(runs),
    `## Every suite`,
    ...runs[0].suites.map((s) => suiteTable(runs, s)),
    sweepTable(runs),
    latencyTable(runs),
    NOTES,
  ].join('\n\n')}\n`;
}
