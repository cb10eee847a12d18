// Byte stuffing (ROBOTIS e-Manual, Protocol 2.0 §Packet Process): so that the header FF FF FD never
// appears inside a packet, the sender adds one 0xFD after every FF FF FD in the instruction and parameter
// fields (FF FF FD -> FF FF FD FD), fixes the length, then computes the CRC over the stuffed bytes. The
// receiver checks the CRC first, then removes the added 0xFD. The CRC field itself is never stuffed.

/** Stuffs an instruction-and-parameters field. Returns the input itself when nothing needs stuffing. */
export function stuff(payload: Uint8Array): Uint8Array {
  let extra = 0;
  for (let i = 2; i < payload.length; i++) {
    if (payload[i] === 0xfd && payload[i - 1] === 0xff && payload[i - 2] === 0xff) extra++;
  }
  if (extra === 0) return payload;
  const out = new Uint8Array(payload.length + extra);
  let o = 0;
  for (let i = 0; i < payload.length; i++) {
    out[o++] = payload[i]!;
    if (i >= 2 && payload[i] === 0xfd && payload[i - 1] === 0xff && payload[i - 2] === 0xff) out[o++] = 0xfd;
  }
  return out;
}

/** Removes stuffing: FF FF FD FD -> FF FF FD. Lenient, like the DynamixelSDK: an unstuffed FF FF FD stays as it is. */
export function unstuff(stuffed: Uint8Array): Uint8Array {
  const out: number[] = [];
  for (let i = 0; i < stuffed.length; i++) {
    out.push(stuffed[i]!);
    const n = out.length;
    if (
      n >= 3 &&
      out[n - 1] === 0xfd &&
      out[n - 2] === 0xff &&
      out[n - 3] === 0xff &&
      stuffed[i + 1] === 0xfd
    ) {
      i++; // the added 0xFD
    }
  }
  return Uint8Array.from(out);
}
