// The two tinybench suites every runner goes through:
//   throughput: each sample is one whole pass over the stream from the starting book;
//               ops/s = commands / median pass time. The book is reset (and the heap
//               collected) before each sample, outside the timed region.
//   latency:    one more pass, timed call by call (a batch, or a single command), with
//               tinybench's calibrated timer overhead subtracted; p50/p99 per call.
// Every pass, timed or warm-up, ends with the runner's check against the reference.
import { Bench } from 'tinybench';
import type { Check, Runner, Truth } from './runner.ts';
import { collect } from './runtime.ts';

export interface Sampling {
  samples: number; // timed passes
  warmup: number; //  untimed passes before them
  latency: boolean; // run the call-by-call pass
}

export interface Measurement {
  subject: string;
  batch: number;
  commands: number;
  events: number; //        events (or done orders) per pass, as the engine reports them
  opsPerSec: number; //     median
  opsPerSecMin: number;
  opsPerSecMax: number;
  passMs: number[]; //      every timed pass, sorted
  latency?: CallLatency;
  check: Check; //          the worst of every pass's check
  checkedPasses: number;
}

export interface CallLatency {
  batch: number; //   commands per timed call
  calls: number;
  p50Us: number;
  p99Us: number;
  maxUs: number;
  perCommandP50Ns: number; // p50 / batch
  timerOverheadNs: number; // subtracted from every sample
}

let sink = 0; // keeps every pass's result observable

export function measure(
  runner: Runner,
  latencyRunner: Runner | null,
  truth: Truth,
  commands: number,
  s: Sampling,
): Measurement {
  const checks: Check[] = [];
  const verify = (r: Runner) => checks.push(r.verify(truth));
  let events = -1;

  const throughput = new Bench({
    time: 0,
    iterations: s.samples,
    warmup: s.warmup > 0,
    warmupIterations: s.warmup,
    warmupTime: 0,
    timestampProvider: 'auto',
    retainSamples: true,
    throws: true,
  });
  throughput.add(
    'pass',
    () => {
      const n = runner.pass();
      if (events < 0) events = n;
      sink += n;
    },
    {
      async: false, // else tinybench calls the task once to find out, and that would move the book
      beforeEach() {
        runner.reset();
        collect();
      },
      afterEach() {
        verify(runner);
      },
    },
  );
  throughput.runSync();
  const result = throughput.tasks[0].result;
  if (result.state !== 'completed') throw new Error(`${runner.subject}: throughput suite ${result.state}`);
  const passMs = [...(result.latency.samples ?? [])];
  const opsAt = (ms: number) => commands / (ms / 1000);

  let latency: CallLatency | undefined;
  if (latencyRunner && s.latency) {
    const r = latencyRunner;
    const bench = new Bench({
      time: 0,
      iterations: r.steps,
      warmup: false,
      timestampProvider: 'auto',
      subtractTimerOverhead: true,
      throws: true,
    });
    bench.add('call', () => r.step(), {
      async: false,
      beforeAll() {
        r.reset();
        collect();
      },
      afterAll() {
        verify(r);
      },
    });
    bench.runSync();
    const l = bench.tasks[0].result;
    if (l.state !== 'completed') throw new Error(`${r.subject}: latency suite ${l.state}`);
    latency = {
      batch: r.batch,
      calls: l.latency.samplesCount,
      p50Us: l.latency.p50 * 1000,
      p99Us: l.latency.p99 * 1000,
      maxUs: l.latency.max * 1000,
      perCommandP50Ns: (l.latency.p50 * 1e6) / r.batch,
      timerOverheadNs: (bench.timerOverhead ?? 0) * 1e6,
    };
  }

  return {
    subject: runner.subject,
    batch: runner.batch,
    commands,
    events,
    opsPerSec: opsAt(result.latency.p50),
    opsPerSecMin: opsAt(result.latency.max),
    opsPerSecMax: opsAt(result.latency.min),
    passMs,
    ...(latency ? { latency } : {}),
    check: worst(checks),
    checkedPasses: checks.length,
  };
}

function worst(checks: Check[]): Check {
  return checks.find((c) => c.ok === false) ?? checks.find((c) => c.ok === null) ?? checks[0];
}

export function sinkValue(): number {
  return sink;
}
