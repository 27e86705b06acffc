// Every peer this node knows — from bootstrap, mDNS, the DHT, inbound connections or the
// file of an earlier run — with its addresses, the markets it trades, when it was last heard
// and its dial circuit breaker. The book is kept in `<data dir>/peers.json`, rewritten
// atomically (through the fs port) a moment after it changes and on stop, so a restarted node
// redials its peers without --bootstrap. The breakers are not kept: a restart gives every
// peer a fresh chance.

import type { FileSystem, Logger } from '../ports.ts';
import { type BreakerOptions, CircuitBreaker, DEFAULT_BREAKER } from './circuit-breaker.ts';

export const PEERS_FILE = 'peers.json';
const FILE_VERSION = 1;
/** Bounds on what the book keeps, so a peer (or a damaged file) cannot make it grow without end. */
const MAX_ADDRS = 8;
const MAX_ADDR_LENGTH = 256;
const MAX_MARKETS = 64;
const PEER_ID_RE = /^[1-9A-HJ-NP-Za-km-z]{32,128}$/;

export interface KnownPeer {
  readonly peerId: string;
  /** Dialable multiaddrs, without the /p2p/<id> suffix, newest first. */
  addrs: string[];
  /** Ids of the markets whose topics the peer is (or was last seen) subscribed to. */
  markets: string[];
  /** Epoch ms of the last message, connection or identify from the peer; null if never. */
  lastHeard: number | null;
  readonly breaker: CircuitBreaker;
}

export interface PeerBookOptions {
  fs: FileSystem;
  dataDir: string;
  self: string;
  logger: Logger;
  breaker?: BreakerOptions;
  /** Most peers kept; beyond it the one heard least recently is forgotten. */
  maxPeers?: number;
  /** Delay between a change and the rewrite of the file. */
  saveDelayMs?: number;
}

export class PeerBook {
  private readonly peers = new Map<string, KnownPeer>();
  private readonly options: PeerBookOptions;
  private readonly file: string;
  private saveTimer: ReturnType<typeof setTimeout> | null = null;
  private saving: Promise<void> = Promise.resolve();
  private dirty = false;
  private closed = false;

  constructor(options: PeerBookOptions) {
    this.options = options;
    this.file = `${options.dataDir}/${PEERS_FILE}`;
  }

  /** Reads the file of an earlier run. A damaged file is set aside (peers.json.damaged) with a warning, never fatal. */
  async load(): Promise<void> {
    const bytes = await this.options.fs.readFile(this.file);
    if (bytes === null) return;
    let entries: unknown[];
    try {
      const doc = JSON.parse(new TextDecoder().decode(bytes));
      if (doc?.version !== FILE_VERSION || !Array.isArray(doc.peers))
        throw new Error(`not a version ${FILE_VERSION} peer list`);
      entries = doc.peers;
    } catch (err) {
      this.options.logger.warn('net: the known-peers file is damaged; starting without it', {
        file: this.file,
        error: (err as Error).message,
        keptAs: `${this.file}.damaged`,
      });
      await this.options.fs.writeFileAtomic(`${this.file}.damaged`, bytes);
      return;
    }
    let skipped = 0;
    for (const e of entries) {
      const p = e as { peerId?: unknown; addrs?: unknown; markets?: unknown; lastHeard?: unknown };
      if (typeof p.peerId !== 'string' || !PEER_ID_RE.test(p.peerId) || p.peerId === this.options.self) {
        skipped++;
        continue;
      }
      const peer = this.ensure(p.peerId);
      if (!peer) continue;
      this.addAddrs(p.peerId, Array.isArray(p.addrs) ? p.addrs.filter((a) => typeof a === 'string') : []);
      if (Array.isArray(p.markets))
        this.setMarkets(
          p.peerId,
          p.markets.filter((m) => typeof m === 'string'),
        );
      if (typeof p.lastHeard === 'number' && Number.isFinite(p.lastHeard)) peer.lastHeard = p.lastHeard;
    }
    if (skipped > 0)
      this.options.logger.warn('net: skipped bad entries in the known-peers file', { file: this.file, skipped });
    this.dirty = false;
  }

  get(peerId: string): KnownPeer | undefined {
    return this.peers.get(peerId);
  }

  /** The peer's entry, created if new (null for this node itself or a malformed id). */
  ensure(peerId: string): KnownPeer | null {
    if (peerId === this.options.self || !PEER_ID_RE.test(peerId)) return null;
    let peer = this.peers.get(peerId);
    if (!peer) {
      peer = {
        peerId,
        addrs: [],
        markets: [],
        lastHeard: null,
        breaker: new CircuitBreaker(this.options.breaker ?? DEFAULT_BREAKER),
      };
      this.evictToMakeRoom();
      this.peers.set(peerId, peer);
      this.changed(true);
    }
    return peer;
  }

  /** Adds addresses (multiaddr strings; a trailing /p2p/<id> is dropped), newest first; true if any was new. */
  addAddrs(peerId: string, addrs: readonly string[]): boolean {
    const peer = this.ensure(peerId);
    if (!peer) return false;
    const clean = addrs
      .map((a) => a.replace(/\/p2p\/[^/]+$/, ''))
      .filter((a) => a.startsWith('/') && a.length <= MAX_ADDR_LENGTH && !a.includes('/p2p-circuit'));
    const fresh = clean.some((a) => !peer.addrs.includes(a));
    const next = [...new Set([...clean, ...peer.addrs])].slice(0, MAX_ADDRS);
    if (next.join() !== peer.addrs.join()) {
      peer.addrs = next;
      this.changed(fresh);
    }
    return fresh;
  }

  setMarkets(peerId: string, markets: readonly string[]): void {
    const peer = this.ensure(peerId);
    if (!peer) return;
    const next = [...new Set(markets)]
      .filter((m) => m.length <= 64)
      .sort()
      .slice(0, MAX_MARKETS);
    if (next.join() !== peer.markets.join()) {
      peer.markets = next;
      this.changed();
    }
  }

  heard(peerId: string, now: number): void {
    const peer = this.ensure(peerId);
    if (!peer) return;
    // The file keeps lastHeard to the second: rewriting it for every message would be waste.
    if (peer.lastHeard === null || now - peer.lastHeard >= 1000) {
      peer.lastHeard = now;
      this.changed();
    } else peer.lastHeard = now;
  }

  all(): KnownPeer[] {
    return [...this.peers.values()];
  }

  get size(): number {
    return this.peers.size;
  }

  /** Writes the file now if anything changed, and stops writing it later. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.saveTimer) clearTimeout(this.saveTimer);
    this.saveTimer = null;
    await this.saving;
    if (this.dirty) await this.save();
  }

  /** Writes the file now (once any write in progress is done). */
  async save(): Promise<void> {
    this.saving = this.saving.then(async () => {
      this.dirty = false;
      const doc = {
        version: FILE_VERSION,
        peers: this.all().map((p) => ({
          peerId: p.peerId,
          addrs: p.addrs,
          markets: p.markets,
          lastHeard: p.lastHeard,
        })),
      };
      try {
        await this.options.fs.writeFileAtomic(this.file, new TextEncoder().encode(`${JSON.stringify(doc)}\n`));
      } catch (err) {
        this.dirty = true;
        this.options.logger.warn('net: cannot write the known-peers file', {
          file: this.file,
          error: (err as Error).message,
        });
      }
    });
    return this.saving;
  }

  /**
   * Marks the file out of date: written after the save delay, or at once when `urgent` (a new
   * peer or address: a node killed a moment later must still find its peers when it restarts).
   */
  private changed(urgent = false): void {
    this.dirty = true;
    if (this.closed) return;
    if (urgent) {
      if (this.saveTimer) clearTimeout(this.saveTimer);
      this.saveTimer = null;
      void this.save();
      return;
    }
    if (this.saveTimer) return;
    this.saveTimer = setTimeout(() => {
      this.saveTimer = null;
      void this.save();
    }, this.options.saveDelayMs ?? 1000);
  }

  private evictToMakeRoom(): void {
    const max = this.options.maxPeers ?? 1000;
    while (this.peers.size >= max) {
      let oldest: KnownPeer | null = null;
      for (const p of this.peers.values()) if (!oldest || (p.lastHeard ?? 0) < (oldest.lastHeard ?? 0)) oldest = p;
      if (!oldest) return;
      this.peers.delete(oldest.peerId);
    }
  }
}
