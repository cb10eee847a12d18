// The error registry, PROTOCOL.md and the message table must list the same codes, verbs and events.

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { PROTOCOL_ERRORS, ProtocolError, type ProtocolErrorCode } from './errors.js';
import {
  EVENTS,
  type EventName,
  eventSince,
  VERBS,
  type Verb,
  verbSince,
  WIRE_ERROR_CODES,
} from './wire/messages.js';

const doc = readFileSync(new URL('../PROTOCOL.md', import.meta.url), 'utf8');
const section = (title: string) => doc.split(/^## /m).find((s) => s.startsWith(title)) ?? '';
const firstColumn = (text: string) => [...text.matchAll(/^\| ([A-Z_]+) \|/gm)].map((m) => m[1]);

describe('registry and docs stay in sync', () => {
  it('host error codes: registry == PROTOCOL.md table', () => {
    const documented = [...doc.matchAll(/^\| (PROTO_[A-Z_]+) \|/gm)].map((m) => m[1]).sort();
    expect(documented).toEqual(Object.keys(PROTOCOL_ERRORS).sort());
  });

  it('wire error codes: table == §Error codes', () => {
    expect(firstColumn(section('§Error codes')).sort()).toEqual([...WIRE_ERROR_CODES].sort());
  });

  it('verbs: table == §Commands (v1) and §v2 New commands', () => {
    const verbs = Object.keys(VERBS) as Verb[];
    expect(firstColumn(section('§Commands')).sort()).toEqual(verbs.filter((v) => verbSince(v) === 1).sort());
    expect(firstColumn(section('§v2 New commands')).sort()).toEqual(
      verbs.filter((v) => verbSince(v) === 2).sort(),
    );
  });

  it('events: table == §Events (v1) and §v2 New events', () => {
    const events = Object.keys(EVENTS) as EventName[];
    expect(firstColumn(section('§Events')).sort()).toEqual(events.filter((e) => eventSince(e) === 1).sort());
    expect(firstColumn(section('§v2 New events')).sort()).toEqual(
      events.filter((e) => eventSince(e) === 2).sort(),
    );
  });

  it('every code builds an error carrying that code and its flags', () => {
    for (const code of Object.keys(PROTOCOL_ERRORS) as ProtocolErrorCode[]) {
      const error = new ProtocolError(code, 'x', { sent: true });
      expect(error.code).toBe(code);
      expect(error.sent).toBe(true);
      expect(error.disconnected).toBe(false);
    }
  });
});
