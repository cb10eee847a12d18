// Health: each controller link (state, rtt, retransmits, errors, stop latch), the MQTT broker, vision,
// and the last device events (faults, stops, reboots) in words.

import { byId, h, setText } from './dom.js';
import { fixed, integer } from './format.js';

const EVENTS_MAX = 20;

export function createHealthView() {
  const body = byId('links').querySelector('tbody');
  const rows = new Map();
  const events = byId('events');

  function row(id) {
    let entry = rows.get(id);
    if (entry) return entry;
    const cells = Array.from({ length: 10 }, () => h('td'));
    const tr = h('tr', { dataset: { controller: id } }, ...cells);
    body.append(tr);
    entry = { tr, cells };
    rows.set(id, entry);
    return entry;
  }

  return {
    controllers(list) {
      for (const c of list) {
        const { tr, cells } = row(c.id);
        tr.dataset.state = c.state;
        tr.dataset.estop = String(c.estopLatched);
        const values = [
          c.id,
          c.state,
          fixed(c.rttMs, 1),
          integer(c.retransmits),
          integer(c.timeouts),
          integer(c.crcErrors),
          integer(c.linkErrorReplies),
          integer(c.reconnects),
          c.estopLatched ? 'yes' : 'no',
          c.lastError ? `${c.lastError.code ?? ''} ${c.lastError.message ?? ''}`.trim() : '—',
        ];
        for (const [i, value] of values.entries()) setText(cells[i], value);
      }
    },
    broker(status) {
      const el = byId('broker-status');
      const up = status.connected === true;
      setText(
        el,
        `${up ? 'connected' : status.connected === null ? 'starting' : 'disconnected'} (${status.kind})`,
      );
      el.dataset.ok = String(up);
    },
    vision(online) {
      const el = byId('vision-status');
      setText(el, online ? 'online' : 'offline');
      el.dataset.ok = String(online);
    },
    events(list) {
      for (const e of list) {
        const where = e.axis ? `${e.controller} / ${e.axis}` : e.controller;
        const detail = Object.entries(e.fields ?? {})
          .map(([k, v]) => `${k}=${v}`)
          .join(' ');
        events.prepend(
          h(
            'li',
            { dataset: { event: e.event } },
            `${new Date().toLocaleTimeString()} ${where}: ${e.event} ${detail}`,
          ),
        );
      }
      while (events.children.length > EVENTS_MAX) events.lastElementChild.remove();
    },
    clear() {
      rows.clear();
      body.replaceChildren();
      events.replaceChildren();
    },
  };
}
