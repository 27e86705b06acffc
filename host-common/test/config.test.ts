// The configuration parser: every option by flag and by environment variable,
// precedence, defaults, errors that name the option, and the help text.

import { describe, expect, it } from 'vitest';
import type { Config, ConfigError, ParseResult } from '../config.ts';
import { helpText, parseConfig, parseDecimalSize } from '../config.ts';

const PEER_A = '/ip4/127.0.0.1/tcp/4001/p2p/12D3KooWA1b2C3';
const PEER_B = '/dns4/seed.example.org/tcp/4001/p2p/QmSeed42';

function config(argv: string[], env: Record<string, string | undefined> = {}): Config {
  const r = parseConfig(argv, env);
  if (!r.ok) throw new Error(`unexpected error: ${r.error.message}`);
  if (r.help || 'version' in r) throw new Error('unexpected help or version');
  return r.config;
}

function error(argv: string[], env: Record<string, string | undefined> = {}): ConfigError {
  const r: ParseResult = parseConfig(argv, env);
  if (r.ok) throw new Error('expected an error');
  return r.error;
}

describe('config defaults', () => {
  it('a node with no configuration gets the documented defaults', () => {
    expect(config([])).toEqual({
      apiHost: '127.0.0.1',
      apiPort: 8080,
      p2pHost: '0.0.0.0',
      p2pPort: 4001,
      dataDir: './data',
      bootstrap: [],
      mdns: true,
      dht: true,
      markets: [
        {
          id: 'BTC-USD',
          base: 'BTC',
          quote: 'USD',
          tickSize: '0.01',
          tickDecimals: 2,
          lotSize: '0.00000001',
          lotDecimals: 8,
        },
      ],
      token: null,
      tokens: [],
      logLevel: 'info',
      rateLimit: 1000,
      authFailures: 10,
      bodyLimit: 16384,
      snapshotEvery: 50000,
    });
  });
});

describe('config flags', () => {
  it('reads every valued flag, in both --flag value and --flag=value forms', () => {
    const c = config([
      '--api-host',
      '0.0.0.0',
      '--api-port=0',
      '--p2p-port',
      '0',
      '--data-dir',
      '/var/lib/meshbook',
      '--bootstrap',
      `${PEER_A},${PEER_B}`,
      '--markets=ETH-USD:0.05:0.0001,SOL-USDC:0.001:1',
      '--token',
      'local-Token_1.2~3+4/5=',
      '--tokens',
      'alice:alice-token-0123456789,bob:bob-token-0123456789',
      '--log-level',
      'DEBUG',
    ]);
    expect(c.apiHost).toBe('0.0.0.0');
    expect(c.apiPort).toBe(0);
    expect(c.p2pPort).toBe(0);
    expect(c.dataDir).toBe('/var/lib/meshbook');
    expect(c.bootstrap).toEqual([PEER_A, PEER_B]);
    expect(c.markets).toEqual([
      {
        id: 'ETH-USD',
        base: 'ETH',
        quote: 'USD',
        tickSize: '0.05',
        tickDecimals: 2,
        lotSize: '0.0001',
        lotDecimals: 4,
      },
      { id: 'SOL-USDC', base: 'SOL', quote: 'USDC', tickSize: '0.001', tickDecimals: 3, lotSize: '1', lotDecimals: 0 },
    ]);
    expect(c.token).toBe('local-Token_1.2~3+4/5=');
    expect(c.tokens).toEqual([
      { owner: 'alice', token: 'alice-token-0123456789' },
      { owner: 'bob', token: 'bob-token-0123456789' },
    ]);
    expect(c.logLevel).toBe('debug');
  });

  it('switches: --no-mdns / --no-dht turn off, the last one on the line wins', () => {
    expect(config(['--no-mdns', '--no-dht'])).toMatchObject({ mdns: false, dht: false });
    expect(config(['--no-mdns', '--mdns', '--dht', '--no-dht'])).toMatchObject({ mdns: true, dht: false });
  });

  it('a repeated scalar flag: the last wins; repeated list flags accumulate', () => {
    const c = config([
      '--api-port',
      '1',
      '--api-port',
      '2',
      '--bootstrap',
      PEER_A,
      '--bootstrap',
      PEER_B,
      '--bootstrap',
      PEER_A,
    ]);
    expect(c.apiPort).toBe(2);
    expect(c.bootstrap).toEqual([PEER_A, PEER_B]); // duplicates dropped
    expect(config(['--markets', 'A-B:1:1', '--markets', 'C-D:1:1']).markets.map((m) => m.id)).toEqual(['A-B', 'C-D']);
  });

  it('accepts ports at both ends of the range', () => {
    expect(config(['--api-port', '65535', '--p2p-port', '0']).apiPort).toBe(65535);
    expect(config(['--api-port', '0', '--p2p-port', '0'])).toMatchObject({ apiPort: 0, p2pPort: 0 });
  });
});

describe('config environment', () => {
  it('reads every option from its environment variable', () => {
    const c = config([], {
      MESHBOOK_API_HOST: '::1',
      MESHBOOK_API_PORT: '9000',
      MESHBOOK_P2P_PORT: '9001',
      MESHBOOK_DATA_DIR: 'd',
      MESHBOOK_BOOTSTRAP: ` ${PEER_A} , `,
      MESHBOOK_MDNS: 'off',
      MESHBOOK_DHT: 'false',
      MESHBOOK_MARKETS: 'BTC-EUR:0.10:0.001',
      MESHBOOK_TOKEN: 'env-token-0123456789',
      MESHBOOK_TOKENS: 'carol:carol-token-0123456789',
      MESHBOOK_LOG_LEVEL: 'warn',
    });
    expect(c).toMatchObject({
      apiHost: '::1',
      apiPort: 9000,
      p2pPort: 9001,
      dataDir: 'd',
      bootstrap: [PEER_A],
      mdns: false,
      dht: false,
      token: 'env-token-0123456789',
      logLevel: 'warn',
    });
    expect(c.markets[0]).toMatchObject({
      id: 'BTC-EUR',
      tickSize: '0.1',
      tickDecimals: 1,
      lotSize: '0.001',
      lotDecimals: 3,
    });
    expect(c.tokens).toEqual([{ owner: 'carol', token: 'carol-token-0123456789' }]);
  });

  it('booleans accept on/off, true/false, yes/no, 1/0', () => {
    for (const v of ['on', 'TRUE', 'yes', '1']) expect(config([], { MESHBOOK_MDNS: v }).mdns).toBe(true);
    for (const v of ['off', 'False', 'no', '0']) expect(config([], { MESHBOOK_DHT: v }).dht).toBe(false);
  });

  it('an empty variable counts as unset', () => {
    expect(config([], { MESHBOOK_API_PORT: '', MESHBOOK_MARKETS: '' })).toMatchObject({ apiPort: 8080 });
  });

  it('a flag wins over its variable, and a bad variable is not consulted when the flag is given', () => {
    const env = {
      MESHBOOK_API_PORT: '9000',
      MESHBOOK_MDNS: 'on',
      MESHBOOK_DATA_DIR: '/env',
      MESHBOOK_P2P_PORT: 'junk',
    };
    const c = config(['--api-port', '7000', '--no-mdns', '--p2p-port', '7001'], env);
    expect(c).toMatchObject({ apiPort: 7000, mdns: false, p2pPort: 7001, dataDir: '/env' });
  });

  it('warns about unknown MESHBOOK_ variables (typos) without failing', () => {
    const r = parseConfig([], { MESHBOOK_APIPORT: '1', PATH: '/bin' });
    expect(r.ok && !r.help && !('version' in r) && r.warnings).toEqual([
      'unknown environment variable MESHBOOK_APIPORT is ignored; see --help',
    ]);
  });
});

describe('config errors name the option', () => {
  it('unknown flags, with a suggestion', () => {
    expect(error(['--api-prot', '1'])).toMatchObject({
      option: '--api-prot',
      source: 'flag',
      message: expect.stringMatching(/unknown option --api-prot \(did you mean --api-port\?\)/),
    });
    expect(error(['--frobnicate']).message).not.toMatch(/did you mean/);
    expect(error(['--no-api-port']).message).toMatch(/unknown option --no-api-port/);
  });

  it('stray arguments and missing values', () => {
    expect(error(['8080']).message).toMatch(/unexpected argument "8080"/);
    expect(error(['-p', '1']).name).toBe('-p');
    expect(error(['--api-port'])).toMatchObject({ option: '--api-port', message: '--api-port needs a value <port>' });
    expect(error(['--data-dir', '--no-mdns']).message).toMatch(/--data-dir needs a value/);
    expect(error(['--mdns=yes']).message).toMatch(/--mdns takes no value; use --mdns or --no-mdns/);
  });

  it('ports out of range or malformed, from a flag or a variable', () => {
    for (const bad of ['65536', '-1', '80a', '1e3', '0x50', ' 80', '', '123456']) {
      const e = error([`--api-port=${bad}`]);
      expect(e).toMatchObject({ option: '--api-port', source: 'flag' });
      expect(e.message).toMatch(/^--api-port: expected a port number 0\.\.65535/);
    }
    expect(error([], { MESHBOOK_P2P_PORT: '70000' })).toMatchObject({
      option: '--p2p-port',
      source: 'env',
      name: 'MESHBOOK_P2P_PORT',
      message: expect.stringMatching(/^MESHBOOK_P2P_PORT: expected a port number/),
    });
  });

  it('the same API and P2P port', () => {
    expect(error(['--api-port', '5000', '--p2p-port', '5000']).message).toMatch(
      /--p2p-port: API and P2P ports are both 5000/,
    );
    expect(error(['--api-port', '4001']).option).toBe('--api-port');
  });

  it('booleans, hosts, data dir, log level', () => {
    expect(error([], { MESHBOOK_DHT: 'maybe' })).toMatchObject({
      name: 'MESHBOOK_DHT',
      message: expect.stringMatching(/on\/off/),
    });
    expect(error(['--api-host', 'http://x']).option).toBe('--api-host');
    expect(error(['--data-dir=']).option).toBe('--data-dir');
    expect(error(['--log-level', 'loud']).message).toMatch(
      /--log-level: expected one of debug, info, warn, error, silent/,
    );
  });

  it('bootstrap addresses must be multiaddrs with a peer id', () => {
    expect(error(['--bootstrap', '127.0.0.1:4001']).message).toMatch(
      /--bootstrap: "127\.0\.0\.1:4001" is not a multiaddr/,
    );
    expect(error(['--bootstrap', '/ip4/127.0.0.1/tcp/4001']).option).toBe('--bootstrap');
  });

  it('markets: format, ids, sizes, duplicates', () => {
    const m = (v: string) => error(['--markets', v]).message;
    expect(m('BTC-USD')).toMatch(/--markets: "BTC-USD" is not ID:tick:lot/);
    expect(m('BTCUSD:0.01:1')).toMatch(/market id "BTCUSD" is not BASE-QUOTE/);
    expect(m('BTC-USD:0:1')).toMatch(/market BTC-USD: tick size "0" must be greater than zero/);
    expect(m('BTC-USD:0.00:1')).toMatch(/greater than zero/);
    expect(m('BTC-USD:1:-1')).toMatch(/lot size "-1" is not a positive decimal/);
    expect(m('BTC-USD:1e-2:1')).toMatch(/tick size "1e-2" is not a positive decimal/);
    expect(m('BTC-USD:.5:1')).toMatch(/not a positive decimal/);
    expect(m('BTC-USD:0.1234567890123456789:1')).toMatch(/not a positive decimal/); // 19 decimals
    expect(m('A-B:1:1,A-B:2:2')).toMatch(/market A-B is listed twice/);
    expect(m(',')).toMatch(/at least one market/);
  });

  it('tokens: format and clashes, never echoing a token', () => {
    expect(error(['--tokens', 'alice']).message).toMatch(/--tokens: entry for "alice" is not owner:token/);
    expect(error(['--tokens', 'al ice:t']).message).toMatch(/owner "al ice"/);
    expect(error(['--tokens', 'bob@peer:t']).message).toMatch(/owner "bob@peer"/);
    const dup = error(['--tokens', 'alice:s3cret-0123456789,bob:s3cret-0123456789']);
    expect(dup.message).toMatch(/owners alice and bob have the same token/);
    expect(dup.message).not.toContain('s3cret');
    const clash = error(['--token', 's3cret-0123456789'], { MESHBOOK_TOKENS: 'alice:s3cret-0123456789' });
    expect(clash).toMatchObject({ option: '--tokens', source: 'env', name: 'MESHBOOK_TOKENS' });
    expect(clash.message).not.toContain('s3cret');
    const badToken = error(['--token', 'has space s3cret']);
    expect(badToken.option).toBe('--token');
    expect(badToken.message).not.toContain('s3cret');
  });

  it('tokens shorter than 16 characters are refused, from flags and variables, without echoing them', () => {
    const short = error(['--token', 'short']);
    expect(short).toMatchObject({ option: '--token', source: 'flag' });
    expect(short.message).toMatch(/--token: token refused: it has 5 characters, at least 16/);
    expect(short.message).not.toContain('short');
    const fifteen = error([], { MESHBOOK_TOKEN: 'a'.repeat(15) });
    expect(fifteen).toMatchObject({ option: '--token', source: 'env', name: 'MESHBOOK_TOKEN' });
    expect(config(['--token', 'a'.repeat(16)]).token).toBe('a'.repeat(16));
    const owner = error(['--tokens', 'alice:abc']);
    expect(owner.message).toMatch(/--tokens: token of owner alice refused: it has 3 characters/);
    expect(error([], { MESHBOOK_TOKENS: 'bob:0123456789abcde' }).name).toBe('MESHBOOK_TOKENS');
  });

  it('an owner listed twice is refused, also "local" beside --token', () => {
    const twice = error(['--tokens', 'alice:alice-token-0123456789,alice:alice-token-9876543210']);
    expect(twice).toMatchObject({ option: '--tokens', source: 'flag' });
    expect(twice.message).toMatch(/owner alice is listed twice/);
    expect(twice.message).not.toContain('alice-token');
    // repeated flags are joined, so the same owner in two --tokens flags is caught too
    const repeated = error(['--tokens', 'bob:bob-token-0123456789', '--tokens', 'bob:bob-token-9876543210']);
    expect(repeated.message).toMatch(/owner bob is listed twice/);
    const local = error(['--token', 'local-token-0123456789'], { MESHBOOK_TOKENS: 'local:other-token-0123456789' });
    expect(local).toMatchObject({ option: '--tokens', source: 'env' });
    expect(local.message).toMatch(/owner local already has a token from --token/);
  });

  it('an --api-host of four numbers must be an IPv4 address (no name lookup)', () => {
    const e = error(['--api-host', '999.1.1.1']);
    expect(e).toMatchObject({ option: '--api-host', source: 'flag' });
    expect(e.message).toMatch(/"999.1.1.1" is not an IPv4 address/);
    expect(config(['--api-host', '10.0.0.255']).apiHost).toBe('10.0.0.255');
  });

  it('--auth-failures takes a whole number, 0 turns the limit off', () => {
    expect(config([]).authFailures).toBe(10);
    expect(config(['--auth-failures', '0']).authFailures).toBe(0);
    expect(config([], { MESHBOOK_AUTH_FAILURES: '3' }).authFailures).toBe(3);
    expect(error(['--auth-failures', '-1']).option).toBe('--auth-failures');
  });
});

describe('decimal sizes', () => {
  it('are canonical strings with their decimal places, no floats', () => {
    expect(parseDecimalSize('0.01')).toEqual({ ok: true, value: { text: '0.01', decimals: 2 } });
    expect(parseDecimalSize('0.010')).toEqual({ ok: true, value: { text: '0.01', decimals: 2 } });
    expect(parseDecimalSize('25.0')).toEqual({ ok: true, value: { text: '25', decimals: 0 } });
    // A float would print this as 1e-18; the string keeps it exact.
    expect(parseDecimalSize('0.000000000000000001')).toEqual({
      ok: true,
      value: { text: '0.000000000000000001', decimals: 18 },
    });
    expect(parseDecimalSize('00.1').ok).toBe(false);
  });
});

describe('help', () => {
  it('--help and -h win over everything else on the line', () => {
    expect(parseConfig(['--api-port', 'bad', '--help'], {})).toEqual({ ok: true, help: true });
    expect(parseConfig(['-h'], { MESHBOOK_API_PORT: 'bad' })).toEqual({ ok: true, help: true });
  });

  it('--version and -V ask for the version', () => {
    expect(parseConfig(['--version'], {})).toEqual({ ok: true, help: false, version: true });
    expect(parseConfig(['--api-port', '0', '-V'], {})).toEqual({ ok: true, help: false, version: true });
  });

  it('lists the exit codes, describes the network options as they work, and says a data dir keeps its markets', () => {
    const h = helpText();
    const codes = h.slice(h.indexOf('Exit codes:'));
    for (const code of ['0', '1', '2', '130']) expect(codes).toMatch(new RegExp(`\\n  ${code} +\\S`));
    expect(codes).toMatch(/2 +bad option/);
    expect(h).toContain('--version, -V');
    for (const flag of ['--p2p-port <port>', '--bootstrap <multiaddr,...>', '--mdns / --no-mdns', '--dht / --no-dht']) {
      const at = h.indexOf(`  ${flag}\n`);
      expect(at, flag).toBeGreaterThan(0);
      expect(h.slice(at, h.indexOf('\n  --', at + 1)), flag).not.toContain('not yet active');
    }
    expect(h).not.toMatch(/peer store/);
    const dataDir = h.slice(h.indexOf('  --data-dir'), h.indexOf('\n  --', h.indexOf('  --data-dir') + 1));
    expect(dataDir).toMatch(/keeps the markets/);
  });

  it('lists every option with its environment variable and default', () => {
    const h = helpText();
    const rows: [string, string, string][] = [
      ['--api-host <host>', 'MESHBOOK_API_HOST', '127.0.0.1'],
      ['--api-port <port>', 'MESHBOOK_API_PORT', '8080'],
      ['--p2p-port <port>', 'MESHBOOK_P2P_PORT', '4001'],
      ['--data-dir <dir>', 'MESHBOOK_DATA_DIR', './data'],
      ['--bootstrap <multiaddr,...>', 'MESHBOOK_BOOTSTRAP', 'none'],
      ['--mdns / --no-mdns', 'MESHBOOK_MDNS', 'on'],
      ['--dht / --no-dht', 'MESHBOOK_DHT', 'on'],
      ['--markets <ID:tick:lot,...>', 'MESHBOOK_MARKETS', 'BTC-USD (tick 0.01, lot 0.00000001)'],
      ['--token <token>', 'MESHBOOK_TOKEN', 'generated on first start'],
      ['--tokens <owner:token,...>', 'MESHBOOK_TOKENS', 'none'],
      ['--log-level <level>', 'MESHBOOK_LOG_LEVEL', 'info'],
    ];
    for (const [flag, env, def] of rows) {
      const at = h.indexOf(`  ${flag}\n`);
      expect(at, flag).toBeGreaterThan(0);
      const block = h.slice(at, h.indexOf('\n  --', at + 1) >>> 0);
      expect(block).toContain(`env ${env}, default: ${def}`);
    }
    expect(h).toMatch(/--help, -h/);
    expect(h).toMatch(/flag wins over the variable/);
  });
});
