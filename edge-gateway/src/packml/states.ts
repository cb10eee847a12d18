// The PackML base state model (ANSI/ISA-TR88.00.02): 17 states, 9 commands, and which command leads where.

export const PACKML_STATES = [
  'Stopped',
  'Resetting',
  'Idle',
  'Starting',
  'Execute',
  'Completing',
  'Complete',
  'Holding',
  'Held',
  'Unholding',
  'Suspending',
  'Suspended',
  'Unsuspending',
  'Stopping',
  'Aborting',
  'Aborted',
  'Clearing',
] as const;
export type PackMLState = (typeof PACKML_STATES)[number];

export const PACKML_COMMANDS = [
  'Reset',
  'Start',
  'Stop',
  'Hold',
  'Unhold',
  'Suspend',
  'Unsuspend',
  'Abort',
  'Clear',
] as const;
export type PackMLCommand = (typeof PACKML_COMMANDS)[number];

/**
 * Acting states do something and leave on State Complete (SC); the rest are wait states that only a
 * command leaves. Execute is acting: its SC (the production order is done) leads to Completing.
 */
export const STATE_COMPLETE: Readonly<Partial<Record<PackMLState, PackMLState>>> = {
  Resetting: 'Idle',
  Starting: 'Execute',
  Execute: 'Completing',
  Completing: 'Complete',
  Holding: 'Held',
  Unholding: 'Execute',
  Suspending: 'Suspended',
  Unsuspending: 'Execute',
  Stopping: 'Stopped',
  Aborting: 'Aborted',
  Clearing: 'Stopped',
};

/** Every state but Stopped, Stopping and the abort branch (Aborting, Aborted, Clearing) accepts Stop. */
const STOPPABLE: readonly PackMLState[] = [
  'Resetting',
  'Idle',
  'Starting',
  'Execute',
  'Completing',
  'Complete',
  'Holding',
  'Held',
  'Unholding',
  'Suspending',
  'Suspended',
  'Unsuspending',
];

/** Every state but Aborting and Aborted accepts Abort. */
const ABORTABLE: readonly PackMLState[] = PACKML_STATES.filter(
  (state) => state !== 'Aborting' && state !== 'Aborted',
);

/**
 * The base model's command transitions. The 2015 report's optional Hold extensions (dashed in its
 * figure, e.g. Hold from Suspended) are left out: a line that wants them adds rows here.
 */
export const COMMAND_TRANSITIONS: Readonly<
  Record<PackMLCommand, { from: readonly PackMLState[]; to: PackMLState }>
> = {
  Reset: { from: ['Stopped', 'Complete'], to: 'Resetting' },
  Start: { from: ['Idle'], to: 'Starting' },
  Stop: { from: STOPPABLE, to: 'Stopping' },
  Hold: { from: ['Execute'], to: 'Holding' },
  Unhold: { from: ['Held'], to: 'Unholding' },
  Suspend: { from: ['Execute'], to: 'Suspending' },
  Unsuspend: { from: ['Suspended'], to: 'Unsuspending' },
  Abort: { from: ABORTABLE, to: 'Aborting' },
  Clear: { from: ['Aborted'], to: 'Clearing' },
};

export function isActingState(state: PackMLState): boolean {
  return STATE_COMPLETE[state] !== undefined;
}

/** Commands the state accepts, in PACKML_COMMANDS order. */
export function commandsAllowedIn(state: PackMLState): PackMLCommand[] {
  return PACKML_COMMANDS.filter((command) => COMMAND_TRANSITIONS[command].from.includes(state));
}

export function isPackMLCommand(value: unknown): value is PackMLCommand {
  return typeof value === 'string' && (PACKML_COMMANDS as readonly string[]).includes(value);
}
