// Finds the other nodes of a market through the Kademlia DHT: the node provides one key per
// market it trades (the CID of the market's topic name) and looks up the other providers of
// each, every round; every provider found goes to the peer book and is dialled. Each query is
// bounded by a timeout and aborted on stop: with few peers a DHT query can otherwise wait long.

import type { PeerId } from '@libp2p/interface';
import { CID } from 'multiformats/cid';
import * as raw from 'multiformats/codecs/raw';
import { sha256 } from 'multiformats/hashes/sha2';
import type { Logger } from '../ports.ts';
import type { MeshbookLibp2p } from './libp2p-node.ts';
import { marketTopic } from './transport.ts';

export interface DhtDiscoveryOptions {
  markets: readonly string[];
  logger: Logger;
  /** Called for each provider found (never this node). */
  onProvider: (peerId: string, addrs: string[]) => void;
  /** Time between rounds. */
  intervalMs?: number;
  /** Longest provide or lookup. */
  queryTimeoutMs?: number;
}

/** The DHT key of a market: a raw CIDv1 of the sha-256 of its topic name. */
export async function marketKey(market: string): Promise<CID> {
  return CID.createV1(raw.code, await sha256.digest(new TextEncoder().encode(marketTopic(market))));
}

export class DhtDiscovery {
  private readonly options: DhtDiscoveryOptions;
  private node: MeshbookLibp2p | null = null;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private abort = new AbortController();
  private round: Promise<void> = Promise.resolve();
  /** Rounds completed, and providers found in all. */
  rounds = 0;
  providersFound = 0;

  constructor(options: DhtDiscoveryOptions) {
    this.options = options;
  }

  start(node: MeshbookLibp2p): void {
    if (!node.services.dht) return;
    this.node = node;
    this.abort = new AbortController();
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.node = null;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.abort.abort(new Error('the network is stopping'));
    await this.round;
  }

  private schedule(delayMs: number): void {
    this.timer = setTimeout(() => {
      this.timer = null;
      this.round = this.runRound().finally(() => {
        if (this.node) this.schedule(this.options.intervalMs ?? 30_000);
      });
    }, delayMs);
  }

  private async runRound(): Promise<void> {
    const node = this.node;
    if (!node) return;
    const timeout = this.options.queryTimeoutMs ?? 10_000;
    for (const market of this.options.markets) {
      if (this.abort.signal.aborted) return;
      const key = await marketKey(market);
      const signal = () => AbortSignal.any([this.abort.signal, AbortSignal.timeout(timeout)]);
      try {
        await node.contentRouting.provide(key, { signal: signal() });
      } catch (err) {
        this.options.logger.debug('net: DHT provide did not finish', { market, error: (err as Error).message });
      }
      try {
        for await (const provider of node.contentRouting.findProviders(key, { signal: signal() })) {
          const id = (provider.id as PeerId).toString();
          if (id === node.peerId.toString()) continue;
          this.providersFound++;
          this.options.onProvider(id, provider.multiaddrs.map(String));
        }
      } catch (err) {
        this.options.logger.debug('net: DHT lookup did not finish', { market, error: (err as Error).message });
      }
    }
    this.rounds++;
  }
}
