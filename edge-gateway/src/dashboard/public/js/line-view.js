// The line panel: PackML state, a button for each command the state allows (and no others), counters,
// rate and reject ratio.

import { byId, h, setText } from './dom.js';
import { duration, fixed, integer, percent } from './format.js';

/** @param {{ api: ReturnType<import('./api.js').createApi>, can: (need: string) => boolean,
 *   act: (what: () => Promise<unknown>) => Promise<unknown> }} deps */
export function createLineView({ api, can, act }) {
  const state = byId('line-state');
  const headerState = byId('header-state');
  const since = byId('line-since');
  const suspended = byId('line-suspended');
  const commands = byId('line-commands');
  const name = byId('line-name');
  let commandKey = '';
  /** The page's clock when the state was entered: the duration keeps counting between snapshots. */
  let enteredAtMs;

  return {
    update(line) {
      setText(name, line.line);
      for (const badge of [state, headerState]) {
        setText(badge, line.state);
        badge.dataset.state = line.state;
      }
      // timeInStateMs is measured on the gateway's monotonic clock: right even if NTP stepped its wall clock.
      enteredAtMs = performance.now() - line.timeInStateMs;
      setText(since, `for ${duration(performance.now() - enteredAtMs)}`);
      setText(
        suspended,
        line.suspendedBy === 'vision-offline'
          ? 'Suspended because vision is offline'
          : line.suspendedBy === 'estop'
            ? 'Stopped by the software stop'
            : '',
      );
      // Rebuild the buttons only when the allowed set changes: a button must not vanish under a finger.
      const key = line.allowedCommands.join(',');
      if (key !== commandKey) {
        commandKey = key;
        commands.replaceChildren(
          ...line.allowedCommands.map((command) =>
            h(
              'button',
              {
                type: 'button',
                class: 'command',
                disabled: !can('operator'),
                dataset: { command, needs: 'operator' },
                onclick: () => act(() => api.post('/line/command', { command })),
              },
              command,
            ),
          ),
        );
        if (line.allowedCommands.length === 0)
          commands.append(h('span', { class: 'muted' }, 'No command now'));
      }
      const c = line.counters;
      setText(byId('count-produced'), integer(c.produced));
      setText(byId('count-good'), integer(c.good));
      setText(byId('count-rejected'), integer(c.rejected));
      setText(byId('count-rate'), fixed(c.ratePerMin, 0));
      setText(byId('count-ratio'), percent(c.rejected, c.produced));
    },
    tick(nowMs) {
      if (enteredAtMs !== undefined) setText(since, `for ${duration(nowMs - enteredAtMs)}`);
    },
    reset() {
      enteredAtMs = undefined;
      commandKey = '';
      commands.replaceChildren();
    },
  };
}
