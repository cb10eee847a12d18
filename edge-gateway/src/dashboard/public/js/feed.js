// The live feed: a WebSocket to /dashboard/stream, the key carried as a subprotocol (browsers cannot set
// headers on a WebSocket), reconnected with capped backoff after any loss.

const FEED_PROTOCOL = 'servo-edge.dashboard.v1';
const BEARER_PREFIX = 'servo-edge.bearer.';
const BACKOFF_MS = { first: 500, max: 8000 };

function base64url(text) {
  let binary = '';
  for (const byte of new TextEncoder().encode(text)) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/**
 * connectFeed({ key, onMessage, onStatus, onRefused }) -> { close() }.
 * onStatus: 'connecting' | 'live' | 'reconnecting'. onRefused() runs when a socket closes without
 * ever opening, so the caller can ask the REST API why (a wrong key is a 401 there, in words).
 */
export function connectFeed({ key, onMessage, onStatus, onRefused }) {
  let socket;
  let closed = false;
  let delayMs = BACKOFF_MS.first;
  let timer;

  const open = () => {
    if (closed) return;
    onStatus(delayMs === BACKOFF_MS.first ? 'connecting' : 'reconnecting');
    const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
    let opened = false;
    socket = new WebSocket(`${scheme}://${location.host}/dashboard/stream`, [
      FEED_PROTOCOL,
      `${BEARER_PREFIX}${base64url(key)}`,
    ]);
    socket.addEventListener('open', () => {
      opened = true;
      delayMs = BACKOFF_MS.first;
      onStatus('live');
    });
    socket.addEventListener('message', (event) => {
      let message;
      try {
        message = JSON.parse(event.data);
      } catch {
        return;
      }
      onMessage(message);
    });
    socket.addEventListener('close', () => {
      if (closed) return;
      onStatus('reconnecting');
      if (!opened) onRefused?.();
      timer = setTimeout(open, delayMs);
      delayMs = Math.min(delayMs * 2, BACKOFF_MS.max);
    });
  };

  open();
  return {
    close() {
      closed = true;
      clearTimeout(timer);
      socket?.close(1000, 'signed out');
    },
  };
}
