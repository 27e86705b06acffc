// The shapes of the names a node takes from users, files and peers: market ids, owner names,
// client order ids, API tokens and order ids. Each is defined once here and used by the
// configuration, the API's validation, the envelope codec and the OpenAPI document.

/** A market id, BASE-QUOTE: letters and digits, 1..16 each (groups: base, quote). */
export const MARKET_ID = /^([A-Za-z0-9]{1,16})-([A-Za-z0-9]{1,16})$/;

/** An owner name: 1..64 of A-Z a-z 0-9 _ . - ("@" is reserved: owners are qualified as owner@peerId). */
export const OWNER_NAME = /^[A-Za-z0-9_.-]{1,64}$/;

/** A client order id: 1..64 of A-Z a-z 0-9 . _ : / - */
export const CLIENT_ORDER_ID = /^[A-Za-z0-9._:/-]{1,64}$/;

/** An API token: letters, digits and . _ ~ + / = - (base64 and base64url both fit). */
export const API_TOKEN = /^[A-Za-z0-9._~+/=-]+$/;

/** An order id as the API takes it: 16 hex digits, either case. */
export const ORDER_ID = /^[0-9a-fA-F]{16}$/;
