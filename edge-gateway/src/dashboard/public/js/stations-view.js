// The line's stations (GET /api/v1/line `stations`): each one's axes, state, cycle count, last cycle
// time, faults and what a fault does to the line, a row per station in the order the line reports them;
// and the station fault that stopped the line (`stationFault`), named in the line panel. A gateway
// without stations shows a note, not an error.

import { byId, h, setText } from './dom.js';
import { fixed, integer } from './format.js';

/** An axis named by a string, or by an object with a name (the shape may grow). */
function axisName(axis) {
  return typeof axis === 'string' ? axis : String(axis?.name ?? axis?.axis ?? '?');
}

/** Faults as a count, or a list whose last entry says what happened. */
function faultWords(faults) {
  if (faults === null || faults === undefined) return { text: '—', count: 0 };
  if (typeof faults === 'number') return { text: integer(faults), count: faults };
  if (Array.isArray(faults)) {
    const last = faults[faults.length - 1];
    const lastText =
      last === undefined ? '' : typeof last === 'string' ? last : (last.reason ?? last.code ?? '');
    return {
      text: faults.length === 0 ? '0' : `${faults.length}${lastText ? ` (${lastText})` : ''}`,
      count: faults.length,
    };
  }
  return { text: String(faults), count: 1 };
}

/** PackML's words for a station's fault severity (ISA-TR88.00.02: Aborting or Holding). */
const SEVERITY_WORDS = { abort: 'Abort', hold: 'Hold' };

/** Axis name -> station name, from the stations' own axis lists (a fallback for the feed's owners). */
export function ownersFromStations(stations) {
  const owners = {};
  for (const station of Array.isArray(stations) ? stations : []) {
    for (const axis of station.axes ?? []) owners[axisName(axis)] = station.name;
  }
  return owners;
}

export function createStationsView() {
  const body = byId('station-table').querySelector('tbody');
  const empty = byId('stations-empty');
  const fault = byId('station-fault');
  const faultText = byId('station-fault-text');
  const faultCode = byId('station-fault-code');

  /** The fault that stopped the line, until Reset or Unhold acknowledges it. */
  function showFault(stationFault) {
    fault.hidden = !stationFault;
    fault.dataset.station = stationFault?.station ?? '';
    if (!stationFault) return;
    const action = stationFault.severity === 'abort' ? 'aborted' : 'held';
    setText(faultText, `The ${stationFault.station} station ${action} the line: ${stationFault.reason}`);
    setText(faultCode, stationFault.code ?? '');
  }
  const rows = new Map();

  function row(name) {
    let entry = rows.get(name);
    if (entry) return entry;
    const cells = {
      name: h('th', { scope: 'row' }, name),
      axes: h('td', { dataset: { field: 'axes' } }),
      state: h('td', {}, h('span', { class: 'state-badge', dataset: { field: 'state' } }, '—')),
      cycles: h('td', { class: 'num', dataset: { field: 'cycles' } }),
      last: h('td', { class: 'num', dataset: { field: 'last-cycle' } }),
      faults: h('td', { class: 'num', dataset: { field: 'faults' } }),
      severity: h('td', { dataset: { field: 'severity' } }),
    };
    const tr = h('tr', { dataset: { station: name } }, ...Object.values(cells));
    entry = { tr, cells };
    rows.set(name, entry);
    return entry;
  }

  return {
    /** Whatever stations the snapshot has; none (or an older gateway without the field) is an empty table. */
    update(stations, stationFault) {
      showFault(stationFault ?? null);
      const list = Array.isArray(stations) ? stations.filter((s) => s && typeof s.name === 'string') : [];
      const order = [];
      for (const station of list) {
        const { tr, cells } = row(station.name);
        order.push(tr);
        setText(cells.axes, (station.axes ?? []).map(axisName).join(', ') || '—');
        const badge = cells.state.firstChild;
        setText(badge, station.state ?? '—');
        badge.dataset.state = station.state ?? '';
        tr.dataset.state = station.state ?? '';
        setText(cells.cycles, integer(station.cycles));
        cells.cycles.dataset.value = String(station.cycles ?? '');
        setText(
          cells.last,
          station.lastCycleMs === null || station.lastCycleMs === undefined
            ? '—'
            : `${fixed(station.lastCycleMs, 0)} ms`,
        );
        const faults = faultWords(station.faults);
        setText(cells.faults, faults.text);
        cells.faults.classList.toggle('bad', faults.count > 0);
        cells.faults.title = station.lastFault
          ? `Last: ${station.lastFault.reason} (${station.lastFault.code})`
          : '';
        setText(cells.severity, SEVERITY_WORDS[station.severity] ?? station.severity ?? '—');
      }
      const keep = new Set(list.map((s) => s.name));
      for (const [name, entry] of rows) {
        if (!keep.has(name)) {
          entry.tr.remove();
          rows.delete(name);
        }
      }
      // Re-append only when the order differs: moving a row resets a screen reader's place in the table.
      if (order.some((tr, i) => body.children[i] !== tr)) body.replaceChildren(...order);
      empty.hidden = list.length > 0;
    },
  };
}
