// The unit-mode switch (PackML unit modes, ISA-TR88.00.02 §5.1): the current mode, a button per mode,
// each disabled with the reason when the role or the line's state forbids a change. The rules (the modes
// and the states that allow a change) come from the server in the feed's snapshot, not from a copy here.

import { byId, h, setText } from './dom.js';

/** What each mode means for the axes (edge-gateway/src/line/axis-ownership.ts), in the operator's words. */
const MODE_MEANING = {
  Production: 'The line owns its axes: other clients may only stop them.',
  Maintenance: 'Other clients may do what the config allows on the line’s axes, at reduced speed.',
  Manual: 'Operators may jog, home and move every axis, at reduced speed. The line does not start.',
};

/** "Stopped, Idle or Aborted". */
function orList(items) {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} or ${items[items.length - 1]}`;
}

/**
 * Pure: the switch as it must look. `rules` is the feed's `unitModes` ({ modes, changeStates }) or
 * undefined before the first snapshot; `pending` the mode a request is under way for.
 * @returns {{ buttons: { mode: string, pressed: boolean, disabled: boolean }[], reason: string,
 *   blockedBy: 'role' | 'feed' | 'state' | 'pending' | null }}
 */
export function modeSwitchView({ mode, state, rules, canOperate, pending }) {
  const modes = rules?.modes ?? [];
  let blockedBy = null;
  let reason = '';
  if (!canOperate) {
    blockedBy = 'role';
    reason = 'Changing the unit mode needs an operator or admin key.';
  } else if (!rules) {
    blockedBy = 'feed';
    reason = 'Waiting for the live feed to learn when the mode may change.';
  } else if (pending) {
    blockedBy = 'pending';
    reason = `Switching to ${pending}…`;
  } else if (!rules.changeStates.includes(state)) {
    blockedBy = 'state';
    reason = `The mode can change only in ${orList(rules.changeStates)}; the line is in ${state}.`;
  } else {
    reason = `The line is in ${state}: the mode may change.`;
  }
  return {
    buttons: modes.map((m) => ({ mode: m, pressed: m === mode, disabled: blockedBy !== null || m === mode })),
    reason,
    blockedBy,
  };
}

/**
 * @param {{ api: ReturnType<import('./api.js').createApi>, can: (need: string) => boolean,
 *   act: (what: () => Promise<unknown>) => Promise<unknown>, onLine: (line: object) => void }} deps
 * onLine takes the snapshot the API answers with, so a switch shows before the feed reports it.
 */
export function createModeView({ api, can, act, onLine }) {
  const badge = byId('line-mode');
  const owns = byId('mode-owns');
  const group = byId('mode-switch');
  const reasonEl = byId('mode-reason');
  let rules;
  let line;
  let pending;
  const buttons = new Map();

  async function request(mode) {
    pending = mode;
    render();
    const answer = await act(() => api.post('/line/mode', { mode }));
    pending = undefined;
    // The feed may already have shown a newer snapshot (onLine then drops this one): render regardless.
    if (answer) onLine(answer);
    render();
    if (answer) return;
    // Refused (the notice shows the code): this page's view of the line was old, so ask for the current one.
    await act(() => api.get('/line').then(onLine), { keepNotice: true });
  }

  function render() {
    if (!line) return;
    setText(badge, line.mode ?? '—');
    badge.dataset.mode = line.mode ?? '';
    setText(owns, MODE_MEANING[line.mode] ?? '');
    const view = modeSwitchView({
      mode: line.mode,
      state: line.state,
      rules,
      canOperate: can('operator'),
      pending,
    });
    const key = view.buttons.map((b) => b.mode).join(',');
    if (key !== [...buttons.keys()].join(',')) {
      buttons.clear();
      group.replaceChildren(
        ...view.buttons.map((b) => {
          const button = h(
            'button',
            {
              type: 'button',
              class: 'mode',
              dataset: { mode: b.mode, needs: 'operator' },
              'aria-describedby': 'mode-reason',
              onclick: () => request(b.mode),
            },
            b.mode,
          );
          buttons.set(b.mode, button);
          return button;
        }),
      );
    }
    for (const b of view.buttons) {
      const button = buttons.get(b.mode);
      button.setAttribute('aria-pressed', String(b.pressed));
      button.disabled = b.disabled;
      button.title = b.pressed ? `The line is in ${b.mode} mode` : view.reason;
    }
    setText(reasonEl, view.reason);
    reasonEl.dataset.blockedBy = view.blockedBy ?? '';
  }

  return {
    /** The feed's snapshot: the rules of the switch. */
    rules(next) {
      rules = next;
      render();
    },
    update(next) {
      line = next;
      render();
    },
    /** The role changed: controls are rebuilt for it (and `[data-needs]` must not enable a blocked one). */
    render,
    reset() {
      rules = undefined;
      pending = undefined;
      buttons.clear();
      group.replaceChildren();
      render();
    },
  };
}
