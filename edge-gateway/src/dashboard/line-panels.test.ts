// The line panel's pure parts (public/js): the unit-mode switch agrees with the gateway's own rule in
// every PackML state, says why it is disabled, and the owners, OEE window and ratios read as they should.

import { describe, expect, it } from 'vitest';
import { PACKML_STATES } from '../packml/states.js';
import { MODE_CHANGE_STATES, UNIT_MODES, UnitModeSwitch } from '../packml/unit-modes.js';

// The page's modules are plain JS served as is; computed specifiers keep them out of the type check.
const page = (file: string) => new URL(`./public/js/${file}`, import.meta.url).href;

interface SwitchView {
  buttons: { mode: string; pressed: boolean; disabled: boolean }[];
  reason: string;
  blockedBy: 'role' | 'feed' | 'state' | 'pending' | null;
}
interface SwitchInput {
  mode: string;
  state: string;
  rules?: { modes: readonly string[]; changeStates: readonly string[] };
  canOperate: boolean;
  pending?: string;
}

const { modeSwitchView } = (await import(page('mode-view.js'))) as {
  modeSwitchView(input: SwitchInput): SwitchView;
};
const { ownersFromStations } = (await import(page('stations-view.js'))) as {
  ownersFromStations(stations: unknown): Record<string, string>;
};
const { ratio, span } = (await import(page('format.js'))) as {
  ratio(value: number | null | undefined): string;
  span(ms: number | null | undefined): string;
};

/** What the feed's snapshot sends (dashboard-feed.ts). */
const RULES = { modes: UNIT_MODES, changeStates: MODE_CHANGE_STATES };

describe('the unit-mode switch', () => {
  it.each(PACKML_STATES)('in %s offers a switch exactly when the gateway accepts one', (state) => {
    const view = modeSwitchView({ mode: 'Production', state, rules: RULES, canOperate: true });
    // The oracle is the gateway's own switch, not the list the page was given.
    const accepted = (() => {
      try {
        new UnitModeSwitch('Production').change('Manual', state);
        return true;
      } catch (error) {
        expect((error as { code?: string }).code).toBe('EDGE_UNIT_MODE_CHANGE_NOT_ALLOWED');
        return false;
      }
    })();
    const manual = view.buttons.find((b) => b.mode === 'Manual');
    expect(manual?.disabled).toBe(!accepted);
    expect(view.blockedBy).toBe(accepted ? null : 'state');
    if (!accepted) expect(view.reason).toContain(state);
  });

  it('has a button per mode, the current one pressed and disabled (switching to it changes nothing)', () => {
    const view = modeSwitchView({ mode: 'Manual', state: 'Stopped', rules: RULES, canOperate: true });
    expect(view.buttons).toEqual([
      { mode: 'Production', pressed: false, disabled: false },
      { mode: 'Maintenance', pressed: false, disabled: false },
      { mode: 'Manual', pressed: true, disabled: true },
    ]);
  });

  it('is disabled for a viewer, before the feed, and while a switch is under way', () => {
    const base = { mode: 'Production', state: 'Stopped', rules: RULES, canOperate: true };
    const viewer = modeSwitchView({ ...base, canOperate: false });
    expect(viewer.blockedBy).toBe('role');
    expect(viewer.buttons.every((b) => b.disabled)).toBe(true);
    const { rules: _rules, ...noRules } = base;
    const early = modeSwitchView(noRules);
    expect(early.blockedBy).toBe('feed');
    expect(early.buttons).toEqual([]);
    const pending = modeSwitchView({ ...base, pending: 'Manual' });
    expect(pending.blockedBy).toBe('pending');
    expect(pending.buttons.every((b) => b.disabled)).toBe(true);
  });
});

describe('the owners and figures beside the line', () => {
  it("takes each axis's owner from the stations' axis lists, and nothing from an absent field", () => {
    expect(
      ownersFromStations([
        { name: 'filler', axes: ['filler'] },
        { name: 'labeler', axes: ['labeler', 'label-feed'] },
      ]),
    ).toEqual({ filler: 'filler', labeler: 'labeler', 'label-feed': 'labeler' });
    expect(ownersFromStations(undefined)).toEqual({});
    expect(ownersFromStations([{ name: 'infeed' }])).toEqual({});
  });

  it('writes the OEE window in its own unit and the ratios as percentages, null as a dash', () => {
    expect(span(3_600_000)).toBe('1 h');
    expect(span(900_000)).toBe('15 min');
    expect(span(45_000)).toBe('45 s');
    expect(span(undefined)).toBe('—');
    expect(ratio(0.8766)).toBe('87.7 %');
    expect(ratio(1)).toBe('100.0 %');
    expect(ratio(null)).toBe('—');
  });
});
