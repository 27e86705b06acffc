// The node's configuration: one parser for the flags and environment variables of
// docs/api.md's Configuration table, shared by every host so the names, defaults and
// error messages are identical on Node, Deno and Bun. A pure function of (argv, env):
// hosts pass process.argv.slice(2) / Deno.args and their environment.
//
// Errors are values naming the flag or variable at fault; token values are never
// echoed back, since error text ends up in logs. Decimal sizes stay strings with
// their count of decimal places: no floating point touches a tick or lot size.

import { API_TOKEN, MARKET_ID, OWNER_NAME } from './identifiers.ts';

export const LOG_LEVELS = ['debug', 'info', 'warn', 'error', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface MarketConfig {
  id: string; //           "BTC-USD"
  base: string; //         "BTC"
  quote: string; //        "USD"
  tickSize: string; //     canonical decimal, e.g. "0.01"
  tickDecimals: number; // 2
  lotSize: string; //      "0.00000001"
  lotDecimals: number; //  8
}

export interface TokenConfig {
  owner: string;
  token: string;
}

export interface Config {
  apiHost: string;
  apiPort: number; //        0 = pick a free port
  p2pHost: string; //        address libp2p listens on
  p2pPort: number; //        0 = pick a free port
  dataDir: string;
  bootstrap: string[]; //    multiaddrs with a /p2p/ peer id
  mdns: boolean;
  dht: boolean;
  markets: MarketConfig[];
  token: string | null; //   null: the node generates one on first start (owner "local")
  tokens: TokenConfig[];
  logLevel: LogLevel;
  rateLimit: number; //      requests per second per token; 0 = off
  authFailures: number; //   failed authentications per minute per client address; 0 = off
  bodyLimit: number; //      largest request body in bytes
  snapshotEvery: number; //  events between snapshots of the state
}

export interface ConfigError {
  /** The option's canonical flag, e.g. "--api-port" ("" for a stray argument). */
  option: string;
  /** Where the bad value came from. */
  source: 'flag' | 'env';
  /** What the user wrote: the flag as typed, or the environment variable's name. */
  name: string;
  message: string;
}

export type ParseResult =
  | { ok: true; help: false; config: Config; warnings: string[] }
  | { ok: true; help: true }
  | { ok: true; help: false; version: true }
  | { ok: false; error: ConfigError };

type Parsed<T> = { ok: true; value: T } | { ok: false; message: string };

interface OptionSpec {
  key: keyof Config;
  flag: string; //            without the leading "--"
  env: string;
  valueName: string; //       "" for on/off switches
  defaultText: string;
  description: string;
  /** Repeated flags are joined with "," (lists) instead of the last one winning. */
  list?: true;
  parse: (raw: string) => Parsed<unknown>;
}

const ok = <T>(value: T): Parsed<T> => ({ ok: true, value });
const bad = (message: string): Parsed<never> => ({ ok: false, message });

function parsePort(raw: string): Parsed<number> {
  if (!/^\d{1,5}$/.test(raw) || Number(raw) > 65535)
    return bad(`expected a port number 0..65535, got ${JSON.stringify(raw)}`);
  return ok(Number(raw));
}

function parseBool(raw: string): Parsed<boolean> {
  const v = raw.trim().toLowerCase();
  if (['1', 'true', 'on', 'yes'].includes(v)) return ok(true);
  if (['0', 'false', 'off', 'no'].includes(v)) return ok(false);
  return bad(`expected on/off, true/false, yes/no or 1/0, got ${JSON.stringify(raw)}`);
}

function parseHost(raw: string): Parsed<string> {
  if (!/^[A-Za-z0-9.:\-[\]%_]+$/.test(raw))
    return bad(`expected a host name or IP address, got ${JSON.stringify(raw)}`);
  // four dotted numbers are meant as an IPv4 address, never a name to look up
  const v4 = /^(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(raw);
  if (v4?.slice(1).some((n) => Number(n) > 255))
    return bad(`${JSON.stringify(raw)} is not an IPv4 address (each of the four numbers is 0..255)`);
  return ok(raw);
}

function parseDataDir(raw: string): Parsed<string> {
  return raw.length > 0 ? ok(raw) : bad('expected a directory path');
}

/** Comma-separated items; blanks around items and empty items (a trailing comma) are ignored. */
function items(raw: string): string[] {
  return raw
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

function parseBootstrap(raw: string): Parsed<string[]> {
  const out: string[] = [];
  for (const addr of items(raw)) {
    // @libp2p/bootstrap dials by peer id, so an address without /p2p/<id> cannot work.
    if (!/^\/\S+\/p2p\/[A-Za-z0-9]+$/.test(addr)) {
      return bad(
        `${JSON.stringify(addr)} is not a multiaddr ending in a peer id (e.g. /ip4/127.0.0.1/tcp/4001/p2p/12D3KooW...)`,
      );
    }
    if (!out.includes(addr)) out.push(addr);
  }
  return ok(out);
}

/** A positive decimal string → its canonical form (no trailing fractional zeros) and decimal places. */
export function parseDecimalSize(raw: string): Parsed<{ text: string; decimals: number }> {
  const m = /^(0|[1-9]\d{0,17})(?:\.(\d{1,18}))?$/.exec(raw);
  if (!m) return bad(`${JSON.stringify(raw)} is not a positive decimal (digits, optional "." and up to 18 decimals)`);
  const frac = (m[2] ?? '').replace(/0+$/, '');
  if (m[1] === '0' && frac === '') return bad(`${JSON.stringify(raw)} must be greater than zero`);
  return ok({ text: frac ? `${m[1]}.${frac}` : m[1], decimals: frac.length });
}

function parseMarkets(raw: string): Parsed<MarketConfig[]> {
  const out: MarketConfig[] = [];
  for (const item of items(raw)) {
    const parts = item.split(':');
    if (parts.length !== 3) return bad(`${JSON.stringify(item)} is not ID:tick:lot (e.g. BTC-USD:0.01:0.00000001)`);
    const [id, tick, lot] = parts;
    const idm = MARKET_ID.exec(id);
    if (!idm) return bad(`market id ${JSON.stringify(id)} is not BASE-QUOTE (letters and digits, e.g. BTC-USD)`);
    if (out.some((m) => m.id === id)) return bad(`market ${id} is listed twice`);
    const t = parseDecimalSize(tick);
    if (!t.ok) return bad(`market ${id}: tick size ${t.message}`);
    const l = parseDecimalSize(lot);
    if (!l.ok) return bad(`market ${id}: lot size ${l.message}`);
    out.push({
      id,
      base: idm[1],
      quote: idm[2],
      tickSize: t.value.text,
      tickDecimals: t.value.decimals,
      lotSize: l.value.text,
      lotDecimals: l.value.decimals,
    });
  }
  return out.length > 0 ? ok(out) : bad('expected at least one market, ID:tick:lot');
}

// RFC 6750 b64token characters: what fits in "Authorization: Bearer <token>" unquoted.
/** Shorter tokens can be guessed; generated ones are 43 characters. */
export const MIN_TOKEN_LENGTH = 16;
const TOKEN_HINT = 'e.g. `openssl rand -hex 16` makes one';

/** Why a token is refused, or null; never echoes the token, since the text ends up in logs. */
function tokenProblem(token: string): string | null {
  if (!API_TOKEN.test(token)) return 'only letters, digits and . _ ~ + / = - are allowed';
  if (token.length < MIN_TOKEN_LENGTH)
    return `it has ${token.length} characters, at least ${MIN_TOKEN_LENGTH} are needed (${TOKEN_HINT})`;
  return null;
}

function parseToken(raw: string): Parsed<string> {
  const problem = tokenProblem(raw);
  return problem === null ? ok(raw) : bad(`token refused: ${problem}`);
}

function parseTokens(raw: string): Parsed<TokenConfig[]> {
  const out: TokenConfig[] = [];
  for (const item of items(raw)) {
    const colon = item.indexOf(':');
    const owner = colon < 0 ? item : item.slice(0, colon);
    if (colon < 0) return bad(`entry for ${JSON.stringify(owner)} is not owner:token`);
    // "@" is reserved: the network qualifies owners as owner@peerId.
    if (!OWNER_NAME.test(owner)) return bad(`owner ${JSON.stringify(owner)} must be 1..64 letters, digits, _ . or -`);
    const token = item.slice(colon + 1);
    const problem = tokenProblem(token);
    if (problem !== null) return bad(`token of owner ${owner} refused: ${problem}`);
    if (out.some((t) => t.owner === owner)) return bad(`owner ${owner} is listed twice; give each owner one token`);
    const dup = out.find((t) => t.token === token);
    if (dup) return bad(`owners ${dup.owner} and ${owner} have the same token`);
    out.push({ owner, token });
  }
  return ok(out);
}

function whole(min: number, max: number, unit: string): (raw: string) => Parsed<number> {
  return (raw) => {
    if (!/^\d{1,10}$/.test(raw) || Number(raw) < min || Number(raw) > max)
      return bad(`expected a whole number of ${unit} from ${min} to ${max}, got ${JSON.stringify(raw)}`);
    return ok(Number(raw));
  };
}

function parseLogLevel(raw: string): Parsed<LogLevel> {
  const v = raw.toLowerCase();
  return (LOG_LEVELS as readonly string[]).includes(v)
    ? ok(v as LogLevel)
    : bad(`expected one of ${LOG_LEVELS.join(', ')}, got ${JSON.stringify(raw)}`);
}

const DEFAULT_MARKETS = 'BTC-USD:0.01:0.00000001';

// The order here is the order of --help.
const OPTIONS: readonly OptionSpec[] = [
  {
    key: 'apiHost',
    flag: 'api-host',
    env: 'MESHBOOK_API_HOST',
    valueName: '<host>',
    defaultText: '127.0.0.1',
    description: 'Address the HTTP and WebSocket API listens on.',
    parse: parseHost,
  },
  {
    key: 'apiPort',
    flag: 'api-port',
    env: 'MESHBOOK_API_PORT',
    valueName: '<port>',
    defaultText: '8080',
    description: 'API port, 0..65535; 0 picks a free port.',
    parse: parsePort,
  },
  {
    key: 'p2pHost',
    flag: 'p2p-host',
    env: 'MESHBOOK_P2P_HOST',
    valueName: '<host>',
    defaultText: '0.0.0.0',
    description: 'Address libp2p listens on (0.0.0.0: every interface; 127.0.0.1: this machine only).',
    parse: parseHost,
  },
  {
    key: 'p2pPort',
    flag: 'p2p-port',
    env: 'MESHBOOK_P2P_PORT',
    valueName: '<port>',
    defaultText: '4001',
    description: 'libp2p TCP port, 0..65535; 0 picks a free port.',
    parse: parsePort,
  },
  {
    key: 'dataDir',
    flag: 'data-dir',
    env: 'MESHBOOK_DATA_DIR',
    valueName: '<dir>',
    defaultText: './data',
    description:
      'Directory for the write-ahead log, snapshots, node key and token; one node at a time (a second start on it exits 1). It keeps the markets it was started with: later starts must give the same --markets.',
    parse: parseDataDir,
  },
  {
    key: 'bootstrap',
    flag: 'bootstrap',
    env: 'MESHBOOK_BOOTSTRAP',
    valueName: '<multiaddr,...>',
    defaultText: 'none',
    description:
      'Peers to dial at start, comma-separated multiaddrs ending in /p2p/<peer id>; repeatable. Later starts redial the peers they knew (kept in the data dir).',
    list: true,
    parse: parseBootstrap,
  },
  {
    key: 'mdns',
    flag: 'mdns',
    env: 'MESHBOOK_MDNS',
    valueName: '',
    defaultText: 'on',
    description: 'Find peers on the local network (--no-mdns to disable; env: on/off).',
    parse: parseBool,
  },
  {
    key: 'dht',
    flag: 'dht',
    env: 'MESHBOOK_DHT',
    valueName: '',
    defaultText: 'on',
    description: 'Run the Kademlia DHT: find the other nodes of each market (--no-dht to disable; env: on/off).',
    parse: parseBool,
  },
  {
    key: 'markets',
    flag: 'markets',
    env: 'MESHBOOK_MARKETS',
    valueName: '<ID:tick:lot,...>',
    defaultText: 'BTC-USD (tick 0.01, lot 0.00000001)',
    description:
      'Markets to trade, e.g. BTC-USD:0.01:0.00000001,ETH-USD:0.01:0.0001; repeatable. Fixed for a data dir once it has started.',
    list: true,
    parse: parseMarkets,
  },
  {
    key: 'token',
    flag: 'token',
    env: 'MESHBOOK_TOKEN',
    valueName: '<token>',
    defaultText: 'generated on first start (the first that succeeds), saved in the data dir (0600)',
    description: `API token of the owner "local", at least ${MIN_TOKEN_LENGTH} characters.`,
    parse: parseToken,
  },
  {
    key: 'tokens',
    flag: 'tokens',
    env: 'MESHBOOK_TOKENS',
    valueName: '<owner:token,...>',
    defaultText: 'none',
    description: `API tokens of further owners, one each, at least ${MIN_TOKEN_LENGTH} characters, e.g. alice:<token>,bob:<token>; repeatable.`,
    list: true,
    parse: parseTokens,
  },
  {
    key: 'logLevel',
    flag: 'log-level',
    env: 'MESHBOOK_LOG_LEVEL',
    valueName: '<level>',
    defaultText: 'info',
    description: `One of ${LOG_LEVELS.join(', ')}.`,
    parse: parseLogLevel,
  },
  {
    key: 'rateLimit',
    flag: 'rate-limit',
    env: 'MESHBOOK_RATE_LIMIT',
    valueName: '<per second>',
    defaultText: '1000',
    description:
      'Requests per second allowed per API token (bursts up to twice that); over it the API answers 429. 0 turns the limit off.',
    parse: whole(0, 1_000_000_000, 'requests per second'),
  },
  {
    key: 'authFailures',
    flag: 'auth-failures',
    env: 'MESHBOOK_AUTH_FAILURES',
    valueName: '<per minute>',
    defaultText: '10',
    description:
      'Failed authentications (wrong tokens) allowed per client address per minute; past it the address gets 429 until the minute is over, whatever token it sends. 0 turns the limit off. Each failure is logged.',
    parse: whole(0, 1_000_000, 'failures per minute'),
  },
  {
    key: 'bodyLimit',
    flag: 'body-limit',
    env: 'MESHBOOK_BODY_LIMIT',
    valueName: '<bytes>',
    defaultText: '16384 (16 KiB)',
    description: 'Largest request body; a larger one gets 413.',
    parse: whole(256, 16 * 1024 * 1024, 'bytes'),
  },
  {
    key: 'snapshotEvery',
    flag: 'snapshot-every',
    env: 'MESHBOOK_SNAPSHOT_EVERY',
    valueName: '<events>',
    defaultText: '50000',
    description:
      'Write a snapshot of the state every this many events; a restart replays the log after the latest one.',
    parse: whole(1, 1_000_000_000, 'events'),
  },
];

function defaults(): Config {
  const markets = parseMarkets(DEFAULT_MARKETS);
  if (!markets.ok) throw new Error(`default markets invalid: ${markets.message}`);
  return {
    apiHost: '127.0.0.1',
    apiPort: 8080,
    p2pHost: '0.0.0.0',
    p2pPort: 4001,
    dataDir: './data',
    bootstrap: [],
    mdns: true,
    dht: true,
    markets: markets.value,
    token: null,
    tokens: [],
    logLevel: 'info',
    rateLimit: 1000,
    authFailures: 10,
    bodyLimit: 16 * 1024,
    snapshotEvery: 50_000,
  };
}

function isSwitch(spec: OptionSpec): boolean {
  return spec.valueName === '';
}

// Small edit distance, for "did you mean" on a mistyped flag.
function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diag = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const up = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = up;
    }
  }
  return row[b.length];
}

function unknownFlag(typed: string): ConfigError {
  const name = typed.replace(/^--/, '');
  const known = OPTIONS.flatMap((o) => (isSwitch(o) ? [o.flag, `no-${o.flag}`] : [o.flag])).concat('help', 'version');
  const best = known.map((k) => ({ k, d: distance(name, k) })).sort((x, y) => x.d - y.d)[0];
  const hint = best.d <= 2 ? ` (did you mean --${best.k}?)` : '';
  return { option: typed, source: 'flag', name: typed, message: `unknown option ${typed}${hint}; see --help` };
}

export function parseConfig(argv: readonly string[], env: Readonly<Record<string, string | undefined>>): ParseResult {
  // Help wins over everything else on the line, including mistakes.
  if (argv.some((a) => a === '--help' || a === '-h')) return { ok: true, help: true };
  if (argv.some((a) => a === '--version' || a === '-V')) return { ok: true, help: false, version: true };

  // Raw flag values by option key: the flag as typed, and its value.
  const given = new Map<keyof Config, { name: string; raw: string }>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (!arg.startsWith('--') || arg === '--') {
      return {
        ok: false,
        error: {
          option: '',
          source: 'flag',
          name: arg,
          message: `unexpected argument ${JSON.stringify(arg)}; options start with -- (see --help)`,
        },
      };
    }
    const eq = arg.indexOf('=');
    const typed = eq < 0 ? arg : arg.slice(0, eq);
    let raw: string | undefined = eq < 0 ? undefined : arg.slice(eq + 1);
    const name = typed.slice(2);
    const negated = name.startsWith('no-');
    const spec = OPTIONS.find((o) => (isSwitch(o) && negated ? `no-${o.flag}` === name : o.flag === name));
    if (!spec) return { ok: false, error: unknownFlag(typed) };
    if (isSwitch(spec)) {
      if (raw !== undefined) {
        return {
          ok: false,
          error: {
            option: `--${spec.flag}`,
            source: 'flag',
            name: typed,
            message: `${typed} takes no value; use --${spec.flag} or --no-${spec.flag}`,
          },
        };
      }
      given.set(spec.key, { name: typed, raw: negated ? 'off' : 'on' }); // the last switch wins
      continue;
    }
    if (raw === undefined) {
      const next = argv[i + 1];
      if (next === undefined || next.startsWith('--')) {
        return {
          ok: false,
          error: { option: typed, source: 'flag', name: typed, message: `${typed} needs a value ${spec.valueName}` },
        };
      }
      raw = next;
      i++;
    }
    const prev = given.get(spec.key);
    given.set(spec.key, { name: typed, raw: spec.list && prev ? `${prev.raw},${raw}` : raw });
  }

  const config = defaults() as unknown as Record<string, unknown>;
  // Which option and source set each key, for the cross-checks below.
  const from = new Map<keyof Config, { source: 'flag' | 'env'; name: string }>();
  for (const spec of OPTIONS) {
    const flag = given.get(spec.key);
    const envRaw = env[spec.env];
    // An empty variable counts as unset: compose files and shells often export VAR=.
    const chosen = flag
      ? { source: 'flag' as const, name: flag.name, raw: flag.raw }
      : envRaw !== undefined && envRaw !== ''
        ? { source: 'env' as const, name: spec.env, raw: envRaw }
        : null;
    if (!chosen) continue;
    const r = spec.parse(chosen.raw);
    if (!r.ok)
      return {
        ok: false,
        error: {
          option: `--${spec.flag}`,
          source: chosen.source,
          name: chosen.name,
          message: `${chosen.name}: ${r.message}`,
        },
      };
    config[spec.key] = r.value;
    from.set(spec.key, { source: chosen.source, name: chosen.name });
  }
  const cfg = config as unknown as Config;

  if (cfg.apiPort !== 0 && cfg.apiPort === cfg.p2pPort) {
    // Blame whichever of the two was set explicitly (they cannot both be defaults).
    const p2p = from.get('p2pPort');
    const at = p2p ? { option: '--p2p-port', ...p2p } : { option: '--api-port', ...from.get('apiPort')! };
    return {
      ok: false,
      error: {
        option: at.option,
        source: at.source,
        name: at.name,
        message: `${at.name}: API and P2P ports are both ${cfg.apiPort}; give them different ports`,
      },
    };
  }
  if (cfg.token !== null && cfg.tokens.some((t) => t.owner === 'local')) {
    const at = from.get('tokens')!;
    return {
      ok: false,
      error: {
        option: '--tokens',
        source: at.source,
        name: at.name,
        message: `${at.name}: owner local already has a token from ${from.get('token')!.name}; give each owner one token`,
      },
    };
  }
  if (cfg.token !== null) {
    const clash = cfg.tokens.find((t) => t.token === cfg.token);
    if (clash) {
      const at = from.get('tokens')!;
      return {
        ok: false,
        error: {
          option: '--tokens',
          source: at.source,
          name: at.name,
          message: `${at.name}: owner ${clash.owner} has the same token as --token (owner local)`,
        },
      };
    }
  }

  const known = new Set(OPTIONS.map((o) => o.env));
  const warnings = Object.keys(env)
    .filter((k) => k.startsWith('MESHBOOK_') && !known.has(k))
    .sort()
    .map((k) => `unknown environment variable ${k} is ignored; see --help`);
  return { ok: true, help: false, config: cfg, warnings };
}

/** How a node's process ends (runNode in node.ts), listed by --help and README. */
export const EXIT_CODES: readonly (readonly [number, string])[] = [
  [0, 'stopped cleanly by SIGINT or SIGTERM (or --help, --version)'],
  [1, 'could not start (data dir in use or unusable, damaged log, port in use, ...) or shutdown failed'],
  [2, 'bad option or environment variable'],
  [130, 'a second SIGINT/SIGTERM during shutdown: exited without finishing it (nothing acknowledged is lost)'],
];

/** The --help text: every option with its environment variable and default, and the exit codes. */
export function helpText(program = 'meshbook'): string {
  const lines = [
    `Usage: ${program} [options]`,
    '',
    'Every option can also be set by its environment variable; a flag wins over the variable.',
    '',
  ];
  for (const o of OPTIONS) {
    const flag = isSwitch(o) ? `--${o.flag} / --no-${o.flag}` : `--${o.flag} ${o.valueName}`;
    lines.push(`  ${flag}`);
    lines.push(`      ${o.description}`);
    lines.push(`      env ${o.env}, default: ${o.defaultText}`);
  }
  lines.push('  --help, -h', '      Print this text and exit.');
  lines.push('  --version, -V', '      Print the version and exit.');
  lines.push('', 'Exit codes:');
  for (const [code, meaning] of EXIT_CODES) lines.push(`  ${String(code).padEnd(4)}${meaning}`);
  return `${lines.join('\n')}\n`;
}
