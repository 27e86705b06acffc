// Prometheus metrics: a few counters and one latency histogram kept on the request path
// (plain number updates), plus gauges read from the node's parts at scrape time.
// Text exposition format 0.0.4.

const BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 5];

interface Histogram {
  buckets: readonly number[]; // upper bounds, seconds
  counts: number[]; // per bucket (and one past the last), not cumulative
  sum: number;
  count: number;
}

function histogram(buckets: readonly number[]): Histogram {
  return { buckets, counts: new Array(buckets.length + 1).fill(0), sum: 0, count: 0 };
}

function observe(h: Histogram, seconds: number): void {
  let i = 0;
  while (i < h.buckets.length && seconds > h.buckets[i]) i++;
  h.counts[i]++;
  h.sum += seconds;
  h.count++;
}

/** A histogram's series: cumulative buckets, +Inf, sum and count. */
function renderHistogram(out: string[], name: string, h: Histogram, labels: Record<string, string>): void {
  let cumulative = 0;
  h.buckets.forEach((b, i) => {
    cumulative += h.counts[i];
    out.push(`${name}_bucket${labelText({ ...labels, le: String(b) })} ${cumulative}`);
  });
  out.push(`${name}_bucket${labelText({ ...labels, le: '+Inf' })} ${h.count}`);
  out.push(`${name}_sum${labelText(labels)} ${h.sum}`);
  out.push(`${name}_count${labelText(labels)} ${h.count}`);
}

export type Gauge = {
  name: string;
  help: string;
  type: 'gauge' | 'counter';
  value: number;
  labels?: Record<string, string>;
};

function labelText(labels: Record<string, string>): string {
  const parts = Object.entries(labels).map(
    ([k, v]) => `${k}="${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`,
  );
  return parts.length ? `{${parts.join(',')}}` : '';
}

/** Event-loop lag: how late a timer fires (a busy loop delays every answer, gossip message and push). */
const LAG_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1];

export class Metrics {
  private readonly requests = new Map<string, number>(); // "route method status"
  private readonly latency = new Map<string, Histogram>(); // route
  private readonly commands = new Map<string, number>(); // "kind result"
  private readonly sources: (() => Gauge[])[] = [];
  private readonly lag = histogram(LAG_BUCKETS);

  /** One sample of the event loop's lag (node.ts samples it every 50 ms). */
  loopLag(seconds: number): void {
    observe(this.lag, seconds);
  }

  request(route: string, method: string, status: number, seconds: number): void {
    const key = `${route} ${method} ${status}`;
    this.requests.set(key, (this.requests.get(key) ?? 0) + 1);
    let h = this.latency.get(route);
    if (!h) {
      h = histogram(BUCKETS);
      this.latency.set(route, h);
    }
    observe(h, seconds);
  }

  /** A command's result: kind place|cancel|reduce, result accepted or an error code. */
  command(kind: string, result: string): void {
    const key = `${kind} ${result}`;
    this.commands.set(key, (this.commands.get(key) ?? 0) + 1);
  }

  /** Adds values read at scrape time. */
  addSource(source: () => Gauge[]): void {
    this.sources.push(source);
  }

  render(): string {
    const out: string[] = [];
    out.push(
      '# HELP meshbook_http_requests_total HTTP requests by route, method and status.',
      '# TYPE meshbook_http_requests_total counter',
    );
    for (const [key, n] of this.requests) {
      const [route, method, status] = key.split(' ');
      out.push(`meshbook_http_requests_total${labelText({ route, method, status })} ${n}`);
    }
    out.push(
      '# HELP meshbook_http_request_duration_seconds Time from request to response, by route.',
      '# TYPE meshbook_http_request_duration_seconds histogram',
    );
    for (const [route, h] of this.latency) renderHistogram(out, 'meshbook_http_request_duration_seconds', h, { route });
    out.push(
      '# HELP meshbook_event_loop_lag_seconds How late a 50 ms timer fired: the event loop was busy that long.',
      '# TYPE meshbook_event_loop_lag_seconds histogram',
    );
    renderHistogram(out, 'meshbook_event_loop_lag_seconds', this.lag, {});
    out.push(
      '# HELP meshbook_commands_total Commands by kind and result (accepted or the error code).',
      '# TYPE meshbook_commands_total counter',
    );
    for (const [key, n] of this.commands) {
      const [kind, result] = key.split(' ');
      out.push(`meshbook_commands_total${labelText({ kind, result })} ${n}`);
    }
    const seen = new Set<string>();
    for (const source of this.sources) {
      for (const g of source()) {
        if (!seen.has(g.name)) {
          seen.add(g.name);
          out.push(`# HELP ${g.name} ${g.help}`, `# TYPE ${g.name} ${g.type}`);
        }
        out.push(`${g.name}${labelText(g.labels ?? {})} ${g.value}`);
      }
    }
    return `${out.join('\n')}\n`;
  }
}
