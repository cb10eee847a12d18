// GTIN, lot and expiry from a code's decoded text. Pure, and free of the MQTT contract's runtime (types
// only), so the decode workers can use it without loading TypeBox.

import type { DecodedData, Symbology } from '@servo-edge/common/mqtt';
import { gs1DateToIso } from '../gs1/dates.js';
import { parseElementString } from '../gs1/element-string.js';

/** GTIN / lot / expiry from the decoded text. An EAN-13 is a GTIN-13: pad to GTIN-14 with a 0. */
export function readData(
  symbology: Symbology,
  text: string,
  isGs1: boolean,
  nowEpochMs: number,
): DecodedData {
  const decoded: DecodedData = { symbology, text };
  if (symbology === 'ean-13') {
    if (/^\d{13}$/.test(text)) decoded.gtin = `0${text}`;
    return decoded;
  }
  if (!isGs1) {
    decoded.gs1Error = 'NOT_GS1';
    return decoded;
  }
  const parsed = parseElementString(text);
  if (!parsed.ok) {
    decoded.gs1Error = parsed.code;
    return decoded;
  }
  const gtin = parsed.byAi.get('01');
  const lot = parsed.byAi.get('10');
  const expiry = parsed.byAi.get('17');
  if (gtin !== undefined) decoded.gtin = gtin;
  if (lot !== undefined) decoded.lot = lot;
  if (expiry !== undefined) {
    const iso = gs1DateToIso(expiry, new Date(nowEpochMs).getUTCFullYear());
    if (iso !== undefined) decoded.expiry = iso;
  }
  return decoded;
}
