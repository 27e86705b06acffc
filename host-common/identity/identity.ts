// The node's identity: an ed25519 key pair created on first start and kept in the data
// dir (mode 0600), and the libp2p peer id derived from it. The key file is libp2p's
// protobuf private-key encoding, so the network layer can load the very same key and the
// peer id printed now is the one the node will have on the network. Signing itself is
// signer.ts's job.

import { Buffer } from 'node:buffer';
import { createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify } from 'node:crypto';
import type { FileSystem, Logger } from '../ports.ts';
import { pkcs8Of } from './signer.ts';

/** libp2p PrivateKey protobuf: {Type: Ed25519 (1), Data: 64 bytes = seed ‖ public key}. */
const KEY_FILE_PREFIX = new Uint8Array([0x08, 0x01, 0x12, 0x40]);
/** SPKI wrapping of a raw ed25519 public key (RFC 8410). */
const SPKI_PREFIX = [0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00];
export const KEY_FILE = 'peer-key';

export interface Identity {
  /** "12D3KooW…": base58btc of the identity multihash of the protobuf public key. */
  peerId: string;
  publicKey: Uint8Array;
  /** The 32-byte private seed, for the signer. */
  seed: Uint8Array;
}

const ALPHABET = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';

export function base58btc(bytes: Uint8Array): string {
  let n = 0n;
  for (const b of bytes) n = (n << 8n) | BigInt(b);
  let s = '';
  while (n > 0n) {
    s = ALPHABET[Number(n % 58n)] + s;
    n /= 58n;
  }
  for (let i = 0; i < bytes.length && bytes[i] === 0; i++) s = `1${s}`;
  return s;
}

export function peerIdOf(publicKey: Uint8Array): string {
  // multihash(identity, protobuf PublicKey{Type: Ed25519, Data: key}) = 00 24 08 01 12 20 ‖ key
  const mh = new Uint8Array(6 + 32);
  mh.set([0x00, 0x24, 0x08, 0x01, 0x12, 0x20], 0);
  mh.set(publicKey, 6);
  return base58btc(mh);
}

function fromSeed(seed: Uint8Array, publicKey: Uint8Array): Identity {
  // The file holds both halves: make sure they belong together before signing anything.
  const priv = createPrivateKey({ key: Buffer.from(pkcs8Of(seed)), format: 'der', type: 'pkcs8' });
  const spki = Buffer.concat([Buffer.from(SPKI_PREFIX), Buffer.from(publicKey)]);
  const pub = createPublicKey({ key: spki, format: 'der', type: 'spki' });
  const probe = Buffer.from('meshbook identity check');
  if (!verify(null, probe, pub, sign(null, probe, priv)))
    throw new Error("the key file's public key does not match its private key");
  return { peerId: peerIdOf(publicKey), publicKey, seed };
}

/** Loads the key from `<dataDir>/peer-key`, or creates it (0600) on first start. */
export async function loadOrCreateIdentity(
  fs: FileSystem,
  dataDir: string,
  logger: Logger,
): Promise<{ identity: Identity; created: boolean }> {
  const file = `${dataDir}/${KEY_FILE}`;
  const bytes = await fs.readFile(file);
  if (bytes !== null) {
    if (bytes.length !== 68 || KEY_FILE_PREFIX.some((b, i) => bytes[i] !== b)) {
      throw new Error(
        `${file} is not an ed25519 key (libp2p protobuf, 68 bytes); move it away to create a new identity`,
      );
    }
    try {
      return { identity: fromSeed(bytes.slice(4, 36), bytes.slice(36, 68)), created: false };
    } catch (err) {
      throw new Error(`${file}: ${(err as Error).message}`);
    }
  }
  const pair = generateKeyPairSync('ed25519');
  const pkcs8 = pair.privateKey.export({ format: 'der', type: 'pkcs8' });
  const spki = pair.publicKey.export({ format: 'der', type: 'spki' });
  const seed = new Uint8Array(pkcs8.subarray(pkcs8.length - 32));
  const publicKey = new Uint8Array(spki.subarray(spki.length - 32));
  const out = new Uint8Array(68);
  out.set(KEY_FILE_PREFIX, 0);
  out.set(seed, 4);
  out.set(publicKey, 36);
  await fs.writeFileAtomic(file, out, { mode: 0o600 });
  const identity = fromSeed(seed, publicKey);
  logger.info('identity: created a new node key', { file, peerId: identity.peerId });
  return { identity, created: true };
}
