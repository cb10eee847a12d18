// How a browser authenticates the dashboard feed: it cannot set headers on a WebSocket, so the key
// travels base64url-encoded as a second subprotocol, and the server answers with the first one.

/** The subprotocol the server selects (ws picks the first one offered), so the key is never echoed. */
export const FEED_PROTOCOL = 'servo-edge.dashboard.v1';

/** `servo-edge.bearer.<base64url(key)>`: base64url keeps any printable key within RFC 7230 token characters. */
export const BEARER_PROTOCOL_PREFIX = 'servo-edge.bearer.';

/** Same bound as the motion API's `Authorization: Bearer` parser: 1 to 512 printable ASCII characters. */
const PRINTABLE_KEY = /^[\x21-\x7e]{1,512}$/;

/**
 * The API key carried in a `Sec-WebSocket-Protocol` header value, or undefined when there is none or
 * it is malformed. The caller still checks the key itself; this only unwraps it.
 */
export function keyFromProtocols(header: string | string[] | undefined): string | undefined {
  const value = Array.isArray(header) ? header.join(',') : header;
  if (!value) return undefined;
  const offered = value.split(',').map((p) => p.trim());
  if (!offered.includes(FEED_PROTOCOL)) return undefined;
  const bearer = offered.find((p) => p.startsWith(BEARER_PROTOCOL_PREFIX));
  if (!bearer) return undefined;
  const encoded = bearer.slice(BEARER_PROTOCOL_PREFIX.length);
  if (!/^[A-Za-z0-9_-]{1,700}$/.test(encoded)) return undefined;
  const key = Buffer.from(encoded, 'base64url').toString('utf8');
  return PRINTABLE_KEY.test(key) ? key : undefined;
}

/** What the page sends: the inverse of keyFromProtocols (also used by tests). */
export function protocolsForKey(key: string): [string, string] {
  return [FEED_PROTOCOL, `${BEARER_PROTOCOL_PREFIX}${Buffer.from(key, 'utf8').toString('base64url')}`];
}
