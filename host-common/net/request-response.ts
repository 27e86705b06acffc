// Request/response over a libp2p stream protocol (what sync uses): the requester opens a
// stream, writes one length-prefixed request and reads one length-prefixed answer; both
// sides bound the size of what they read and the time the exchange may take, and a stream
// that breaks either bound is aborted. The answer's first byte says what follows: 0 the
// handler's bytes, 1 the handler's error message (UTF-8).

import type { Libp2p, PeerId, Stream } from '@libp2p/interface';
import { lpStream } from '@libp2p/utils';
import type { RequestHandler } from './transport.ts';

const ANSWER_OK = 0;
const ANSWER_ERROR = 1;

export interface ExchangeLimits {
  /** Largest request or answer, in bytes (the answer's status byte included). */
  maxBytes: number;
  /** Longest exchange, in ms, from opening the stream to the last byte. */
  timeoutMs: number;
  /** Requests one peer may make of this node per second; beyond it they are answered with an error, unserved. */
  requestsPerSecondPerPeer: number;
}

/** An error the remote handler answered with. */
export class RemoteError extends Error {
  override name = 'RemoteError';
}

function joinSignals(a: AbortSignal, b: AbortSignal | undefined): AbortSignal {
  return b ? AbortSignal.any([a, b]) : a;
}

/** One exchange with `peer`; rejects on a refused protocol, a broken bound, an abort or the remote handler's error. */
export async function sendRequest(
  libp2p: Libp2p,
  peer: PeerId,
  protocol: string,
  data: Uint8Array,
  limits: ExchangeLimits,
  signal?: AbortSignal,
): Promise<Uint8Array> {
  if (data.length + 1 > limits.maxBytes)
    throw new RangeError(`request of ${data.length} bytes is over the limit of ${limits.maxBytes - 1}`);
  const bounded = joinSignals(AbortSignal.timeout(limits.timeoutMs), signal);
  const stream = await libp2p.dialProtocol(peer, protocol, { signal: bounded });
  try {
    const lp = lpStream(stream, { maxDataLength: limits.maxBytes });
    await lp.write(data, { signal: bounded });
    const answer = (await lp.read({ signal: bounded })).subarray();
    await stream.close({ signal: bounded }).catch(() => {});
    if (answer.length === 0) throw new Error(`${protocol}: empty answer from ${peer}`);
    if (answer[0] === ANSWER_OK) return answer.slice(1);
    if (answer[0] === ANSWER_ERROR) throw new RemoteError(new TextDecoder().decode(answer.subarray(1)));
    throw new Error(`${protocol}: malformed answer from ${peer}`);
  } catch (err) {
    stream.abort(err as Error);
    throw err;
  }
}

/**
 * The stream handler that serves `protocol` with `handler`. `admit` is asked for each request
 * once it is read: false answers it with an error without calling the handler (rate limit).
 * `onError` hears what went wrong with a stream (the node never throws).
 */
export function requestStreamHandler(
  protocol: string,
  handler: RequestHandler,
  limits: ExchangeLimits,
  admit: (from: string) => boolean,
  onError: (from: string, err: Error) => void,
): (stream: Stream, connection: { remotePeer: PeerId }) => Promise<void> {
  return async (stream, connection) => {
    const from = connection.remotePeer.toString();
    const signal = AbortSignal.timeout(limits.timeoutMs);
    try {
      const lp = lpStream(stream, { maxDataLength: limits.maxBytes });
      const request = (await lp.read({ signal })).subarray();
      let answer: Uint8Array;
      try {
        if (!admit(from)) throw new Error(`${protocol}: too many requests; try again later`);
        const body = await raceAbort(handler(request, from), signal);
        if (body.length + 1 > limits.maxBytes)
          throw new Error(`${protocol}: answer of ${body.length} bytes is over the limit`);
        answer = new Uint8Array(body.length + 1);
        answer[0] = ANSWER_OK;
        answer.set(body, 1);
      } catch (err) {
        if (signal.aborted) throw err;
        const message = new TextEncoder().encode(String((err as Error)?.message ?? err).slice(0, 1000));
        answer = new Uint8Array(message.length + 1);
        answer[0] = ANSWER_ERROR;
        answer.set(message, 1);
      }
      await lp.write(answer, { signal });
      await stream.close({ signal });
    } catch (err) {
      onError(from, err as Error);
      stream.abort(err as Error);
    }
  };
}

function raceAbort<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e) => {
        signal.removeEventListener('abort', onAbort);
        reject(e);
      },
    );
  });
}
