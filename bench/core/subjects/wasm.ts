// The WASM core through its three doors:
//   wasm-raw   executeRaw(records, n): pre-encoded command records in, event records out,
//              one boundary crossing per batch (how a host feeds commands it got as bytes);
//   wasm-typed execute(Command[]): encodes objects in, decodes event objects out (the cost
//              of JS objects on top of the same batch call);
//   wasm-one   executeOne(Command): one command per boundary crossing.
// Every runner starts from a core snapshot (engine.restore), so every sample starts from the
// same book, and proves itself by the state hash.
// restore() builds a fresh instance whose memory has never been touched, where a running node's
// (like the JS books' heap, whose pages V8 keeps and reuses) is already sized for its book and
// buffers. So a 'warm' runner primes the restored engine before the timer starts: it places as
// many orders as the stream could add (far from the market) and cancels them, then sends one big
// batch of cancels of unknown ids, which sizes the command and event buffers. The book ends as it
// was (checked by its hash); its memory is sized and touched. A 'cold' runner skips this: the pass
// then also pays for growing memory (on the machine of record a first touch of a 4 KiB page
// costs ~14 µs, and on Node each memory.grow of a large memory can start a full GC).
import { Engine } from '../../../core-as/src/engine.ts';
import type { Command } from '../../../core-as/types.ts';
import * as C from '../../../core-as/codes.ts';
import { CMD_SIZE, EV_SIZE } from '../../../core-as/codes.ts';
import { command } from '../../../core-as/types.ts';
import { encodeCommands } from '../../../core-as/src/records.ts';
import { batches, type Stream } from '../streams.ts';
import type { Check, Runner, Truth } from '../runner.ts';

export type WasmPath = 'raw' | 'typed' | 'one';

const PRIMER_ID = 1n << 62n; // no stream uses ids this high
const BUFFER_PRIMER = 16384; //  commands in the buffer-sizing batch (4x the largest batch)

/** The primer's records: place-then-cancel as many orders as the stream places GTC, then the buffer batch. */
export function primerFor(stream: Stream): { records: Uint8Array; spans: [number, number][] } {
  const grows = stream.commands.filter(
    (c) => c.kind === C.CMD_PLACE && c.tif === C.TIF_GTC && c.type === C.TYPE_LIMIT,
  ).length;
  const cmds: Command[] = [];
  for (let i = 0; i < grows; i++) {
    cmds.push(
      command({
        kind: C.CMD_PLACE,
        id: PRIMER_ID + BigInt(i),
        owner: 1n,
        side: C.SIDE_BUY,
        type: C.TYPE_LIMIT,
        tif: C.TIF_GTC,
        price: 1n,
        qty: 1n,
      }),
    );
  }
  for (let i = 0; i < grows; i++) cmds.push(command({ kind: C.CMD_CANCEL, id: PRIMER_ID + BigInt(i), owner: 1n }));
  const spans = batches(cmds.length, 4096);
  for (let i = 0; i < BUFFER_PRIMER; i++)
    cmds.push(command({ kind: C.CMD_CANCEL, id: PRIMER_ID + BigInt(grows + i), owner: 1n }));
  spans.push([2 * grows, BUFFER_PRIMER]);
  return { records: encodeCommands(cmds), spans };
}

/** An engine holding the stream's starting book (its snapshot is what every runner restores). */
export function wasmStart(module: WebAssembly.Module, stream: Stream): Engine {
  const engine = Engine.create(module);
  // batches of 4096, so the command and event buffers stay small (they count in memory())
  for (const [start, n] of batches(stream.spec.prefill, 4096)) {
    engine.executeRaw(stream.prefillRecords.subarray(start * CMD_SIZE, (start + n) * CMD_SIZE), n);
  }
  return engine;
}

export function wasmRunner(
  module: WebAssembly.Module,
  start: Uint8Array,
  stream: Stream,
  path: WasmPath,
  batch: number,
  warm = true,
): Runner {
  const primer = warm ? primerFor(stream) : null;
  let primerChecked = false;
  const restore = (engine: Engine) => {
    engine.restore(start);
    if (!primer) return;
    const hash = primerChecked ? 0n : engine.stateHash();
    for (const [s, n] of primer.spans) engine.executeRaw(primer.records.subarray(s * CMD_SIZE, (s + n) * CMD_SIZE), n);
    if (!primerChecked && engine.stateHash() !== hash) throw new Error('the primer changed the book');
    primerChecked = true;
  };
  let engine = Engine.create(module);
  const spans = batches(stream.commands.length, path === 'one' ? 1 : batch);
  const views: Uint8Array[] = spans.map(([s, n]) => stream.records.subarray(s * CMD_SIZE, (s + n) * CMD_SIZE));
  const counts = Int32Array.from(spans, ([, n]) => n);
  const chunks: Command[][] = path === 'typed' ? spans.map(([s, n]) => stream.commands.slice(s, s + n)) : [];
  const commands = stream.commands;
  let cursor = 0;

  const passes: Record<WasmPath, () => number> = {
    raw() {
      const e = engine;
      let bytes = 0;
      for (let k = 0; k < views.length; k++) bytes += e.executeRaw(views[k], counts[k]).length;
      return bytes / EV_SIZE;
    },
    typed() {
      const e = engine;
      let events = 0;
      for (let k = 0; k < chunks.length; k++) events += e.execute(chunks[k]).length;
      return events;
    },
    one() {
      const e = engine;
      let events = 0;
      for (let i = 0; i < commands.length; i++) events += e.executeOne(commands[i]);
      return events;
    },
  };
  const steps: Record<WasmPath, () => void> = {
    raw: () => void engine.executeRaw(views[cursor], counts[cursor++]),
    typed: () => void engine.execute(chunks[cursor++]),
    one: () => void engine.executeOne(commands[cursor++]),
  };

  return {
    subject: `wasm-${path}${warm ? '' : '-cold'}`,
    batch: path === 'one' ? 1 : batch,
    steps: spans.length,
    reset() {
      restore(engine);
      cursor = 0;
    },
    release() {
      engine = Engine.create(module); // the restored instance, and its linear memory, become garbage
    },
    pass: passes[path],
    step: steps[path],
    verify(truth: Truth): Check {
      const hash = engine.stateHash();
      const orders = engine.orderCount();
      const ok = hash === truth.hash && orders === truth.orders;
      return {
        ok,
        how: 'state hash',
        ...(ok
          ? {}
          : {
              reason: `hash ${hash.toString(16)} (${orders} orders), reference ${truth.hash.toString(16)} (${truth.orders})`,
            }),
      };
    },
  };
}
