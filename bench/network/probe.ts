// What the network bench reads from outside a node: its process's CPU time and peak RSS from
// /proc (Linux), its Prometheus counters, and its book's state hash.

import * as fs from 'node:fs/promises';
import type { Client } from './client.ts';
import { MARKET } from './orders.ts';

/** CPU time (user + system, all threads) of a process so far, in ms; /proc counts in 1/100 s. */
export async function cpuMs(pid: number): Promise<number> {
  const fields = (await fs.readFile(`/proc/${pid}/stat`, 'utf8')).split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/** The largest resident set the process has had (VmHWM), in bytes. */
export async function peakRss(pid: number): Promise<number> {
  const m = /^VmHWM:\s+(\d+) kB/m.exec(await fs.readFile(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) * 1024 : Number.NaN;
}

/** /metrics as name → value, the series of one name summed over their labels. */
export async function scrape(c: Client): Promise<Map<string, number>> {
  const res = await c.request({ method: 'GET', path: '/metrics' });
  const out = new Map<string, number>();
  for (const line of res.body.split('\n')) {
    const m = /^([a-z_:]+)(\{[^}]*\})? ([-+0-9.eE]+|NaN)$/.exec(line);
    if (!m) continue;
    out.set(m[1], (out.get(m[1]) ?? 0) + Number(m[3])); // summed over labels
    if (m[2]) out.set(m[1] + m[2], Number(m[3])); // and each labelled series
  }
  return out;
}

export async function bookState(c: Client): Promise<{ stateHash: string; eventCount: number }> {
  const res = await c.request({ method: 'GET', path: `/v1/markets/${MARKET}/book?depth=1` });
  const b = JSON.parse(res.body);
  return { stateHash: b.stateHash, eventCount: b.eventCount };
}
