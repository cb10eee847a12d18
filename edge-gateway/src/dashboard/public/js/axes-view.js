// The axis cards: live values, a 30 s plot, the line station that owns the axis, and the operator's
// controls (hold-to-run jog on a renewed lease, move to, home, stop, enable, disable). A viewer sees the
// same cards with the controls disabled.

import { h, setText } from './dom.js';
import { fixed } from './format.js';
import { createHoldToRun } from './hold-to-run.js';
import { AxisPlot } from './plot.js';

/**
 * @param {{ container: HTMLElement, api: ReturnType<import('./api.js').createApi>,
 *   can: (need: string) => boolean,
 *   act: (what: () => Promise<unknown>, options?: { keepNotice?: boolean }) => Promise<unknown> }} deps
 */
export function createAxesView({ container, api, can, act }) {
  const cards = new Map();
  /** Axis name -> owning station (axis-ownership.ts), and the unit mode that says whether the line holds it. */
  let owners = {};
  let mode = '';

  /** Whose the axis is: the owner, and in which mode the line holds it (Production) or lets it go. */
  function renderOwner(entry, name) {
    const owner = owners[name];
    const el = entry.fields.owner;
    el.dataset.owner = owner ?? '';
    const held = Boolean(owner) && mode === 'Production';
    el.dataset.held = String(held);
    setText(
      el,
      !owner
        ? 'Owner: none'
        : held
          ? `Owner: the line's ${owner} station`
          : mode === 'Maintenance'
            ? `Owner: the line's ${owner} station; in Maintenance, what the config allows`
            : `Owner: the line's ${owner} station, released in ${mode || 'this mode'}`,
    );
    el.title = !owner
      ? 'No line station owns this axis'
      : held
        ? `In Production the line's ${owner} station owns this axis: other clients may only stop it`
        : `The line's ${owner} station owns this axis in Production; in ${mode || 'this mode'} it is released at reduced speed`;
  }

  function build(axis) {
    const name = axis.name;
    const path = `/axes/${encodeURIComponent(name)}`;
    const motion = !can('operator');
    const field = (label, key) => {
      const dd = h('dd', { dataset: { field: key } }, '—');
      return [h('div', {}, h('dt', {}, label), dd), dd];
    };
    const [posRow, pos] = field('Position', 'position');
    const [velRow, vel] = field('Velocity', 'velocity');
    const [tgtRow, tgt] = field('Target', 'target');
    const [homedRow, homed] = field('Homed', 'homed');
    const [enabledRow, enabled] = field('Drive', 'enabled');
    const [faultRow, fault] = field('Fault', 'fault');
    const [queueRow, queue] = field('Queue', 'queue');
    const state = h('span', { class: 'state-badge', dataset: { field: 'state' } }, '—');
    const owner = h('p', { class: 'owner', dataset: { field: 'owner', owner: '' } }, '');
    const canvas = h('canvas', { class: 'plot', 'aria-label': `${name}: position and velocity, last 30 s` });

    // A tenth of the top speed, and no more than a tenth of the travel a second: a fast, short axis
    // (a filler: 2000 mm/s over 200 mm) must not reach its end stop before a finger lets go.
    const travel = axis.limits.max - axis.limits.min;
    const byTravel = Number.isFinite(travel) && travel > 0 ? travel * 0.1 : Number.POSITIVE_INFINITY;
    const defaultJog = Math.max(1, Math.round(Math.min(axis.limits.maxVelocity * 0.1, byTravel)));
    const jogSpeed = h('input', {
      type: 'number',
      min: '0',
      step: 'any',
      value: String(defaultJog),
      inputmode: 'decimal',
      dataset: { field: 'jog-speed' },
      'aria-label': `${name} jog speed, ${axis.unit}/s`,
    });
    const target = h('input', {
      type: 'number',
      step: 'any',
      inputmode: 'decimal',
      required: true,
      dataset: { field: 'move-target' },
      'aria-label': `${name} target position, ${axis.unit}`,
    });

    const stopHandlers = [];
    const jogButton = (sign, label) => {
      const button = h(
        'button',
        {
          type: 'button',
          class: 'jog',
          disabled: motion,
          dataset: { action: sign > 0 ? 'jog-plus' : 'jog-minus', needs: 'operator' },
          title: 'Hold to jog; release to stop',
        },
        label,
      );
      holdToJog(button, () => sign * Math.abs(Number(jogSpeed.value) || defaultJog));
      return button;
    };
    /**
     * A jog runs while pressed, on a lease the page renews (hold-to-run.js): released, the stop is sent
     * after the jog request, so it can never overtake it; if the page stops renewing, the axis stops.
     */
    const holdToJog = (button, velocity) => {
      const hold = createHoldToRun({
        jog: (leaseMs) => act(() => api.post(`${path}/jog`, { velocity: velocity(), leaseMs })),
        renew: (leaseId) => api.post(`${path}/jog/renew`, { leaseId }),
        stop: ({ keepalive }) =>
          act(() => api.post(`${path}/stop`, undefined, keepalive ? { keepalive: true } : undefined), {
            keepNotice: true,
          }),
        onRenewFailed: (error) => act(() => Promise.reject(error), { keepNotice: true }),
        setTimer: (run, delayMs) => setTimeout(run, delayMs),
        clearTimer: (handle) => clearTimeout(handle),
        nowMs: () => performance.now(),
      });
      const start = () => {
        if (!button.disabled) hold.press();
      };
      const stop = (options) => hold.release(options);
      button.addEventListener('pointerdown', (event) => {
        button.setPointerCapture?.(event.pointerId);
        start();
      });
      for (const type of ['pointerup', 'pointercancel', 'lostpointercapture', 'blur']) {
        button.addEventListener(type, () => stop());
      }
      button.addEventListener('keydown', (event) => {
        if ((event.key === ' ' || event.key === 'Enter') && !event.repeat) {
          event.preventDefault();
          start();
        }
      });
      button.addEventListener('keyup', (event) => {
        if (event.key === ' ' || event.key === 'Enter') stop();
      });
      // Suppress the long-press menu on tablets: a held jog must not open it.
      button.addEventListener('contextmenu', (event) => event.preventDefault());
      stopHandlers.push(stop);
    };

    const simple = (action, label, extra = {}) =>
      h(
        'button',
        {
          type: 'button',
          disabled: motion,
          dataset: { action, needs: 'operator' },
          onclick: () => act(() => api.post(`${path}/${action}`)),
          ...extra,
        },
        label,
      );

    const moveForm = h(
      'form',
      {
        class: 'move',
        dataset: { action: 'move' },
        onsubmit: (event) => {
          event.preventDefault();
          if (target.value === '') return;
          act(() => api.post(`${path}/move`, { position: Number(target.value) }));
        },
      },
      h('label', {}, 'Move to ', target, ` ${axis.unit}`),
      h('button', { type: 'submit', disabled: motion, dataset: { needs: 'operator' } }, 'Go'),
    );

    const card = h(
      'article',
      { class: 'axis', dataset: { axis: name } },
      h('header', {}, h('h3', {}, name), h('span', { class: 'muted' }, axis.unit), state),
      owner,
      canvas,
      h('dl', { class: 'values' }, posRow, velRow, tgtRow, homedRow, enabledRow, faultRow, queueRow),
      h(
        'div',
        { class: 'controls' },
        h('div', { class: 'row' }, jogButton(-1, '◀ Jog −'), jogButton(1, 'Jog + ▶')),
        h('label', { class: 'jog-speed' }, 'Jog speed ', jogSpeed, ` ${axis.unit}/s`),
        moveForm,
        h(
          'div',
          { class: 'row' },
          simple('home', 'Home'),
          simple('stop', 'Stop', { class: 'axis-stop' }),
          simple('enable', 'Enable'),
          simple('disable', 'Disable'),
        ),
      ),
    );
    for (const input of [jogSpeed, target]) input.disabled = motion;
    const plot = new AxisPlot(canvas);
    plot.unit = axis.unit;
    const entry = {
      card,
      plot,
      fields: { state, owner, pos, vel, tgt, homed, enabled, fault, queue },
      stopJogs: (options) => {
        for (const stop of stopHandlers) stop(options);
      },
    };
    cards.set(name, entry);
    container.append(card);
    renderOwner(entry, name);
    return entry;
  }

  function render(entry, axis) {
    const { fields } = entry;
    const digits = axis.unit === 'deg' ? 2 : 1;
    setText(fields.state, axis.connected ? axis.state : `${axis.state} (link down)`);
    fields.state.dataset.state = axis.state;
    entry.card.dataset.state = axis.state;
    entry.card.dataset.connected = String(axis.connected);
    setText(fields.pos, `${fixed(axis.position, digits)} ${axis.unit}`);
    setText(fields.vel, `${fixed(axis.velocity, digits)} ${axis.unit}/s`);
    setText(fields.tgt, axis.target === null ? '—' : `${fixed(axis.target, digits)} ${axis.unit}`);
    setText(
      fields.homed,
      axis.positionUncertain
        ? 'no — controller rebooted, home again'
        : axis.homed
          ? 'yes'
          : axis.homingRequired
            ? 'no — home before moving'
            : 'no (not required)',
    );
    setText(fields.enabled, axis.enabled === null ? '—' : axis.enabled ? 'enabled' : 'disabled');
    setText(fields.fault, axis.fault ?? (axis.estop ? 'software stop' : 'none'));
    fields.fault.classList.toggle('bad', Boolean(axis.fault || axis.estop));
    setText(fields.queue, `${axis.queue.device} on device, ${axis.queue.open} open`);
  }

  return {
    /** Axes from a snapshot or an update; tMs is the page's clock at arrival. */
    update(axes, tMs) {
      for (const axis of axes) {
        const entry = cards.get(axis.name) ?? build(axis);
        render(entry, axis);
        entry.plot.push(tMs, axis.position, axis.velocity);
      }
    },
    /** The owners (feed snapshot, or the line's stations) and the unit mode, for every card. */
    owners(next, nextMode) {
      owners = next ?? {};
      mode = nextMode ?? '';
      for (const [name, entry] of cards) renderOwner(entry, name);
    },
    draw(nowMs) {
      for (const entry of cards.values()) entry.plot.draw(nowMs);
    },
    /**
     * Page hidden or feed lost: no jog may outlive the operator's view of it. keepalive: the page is
     * being closed, so the stops must be sent without waiting (and survive the page).
     */
    stopAllJogs(options) {
      for (const entry of cards.values()) entry.stopJogs(options);
    },
    clear() {
      cards.clear();
      container.replaceChildren();
    },
  };
}
