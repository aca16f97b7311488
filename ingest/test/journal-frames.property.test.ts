import { seededRandom as random } from '@paved/schemas';
import { describe, expect, it } from 'vitest';
import { encodeFrame, readFrames } from '../src/bus/journal.js';

/*
 * Property: whatever a crash or a disk does to a journal file (cut it anywhere, put a fragment of a
 * frame between two frames, change bytes inside a frame), reading it back yields only payloads that
 * were written, in their order, never a merged or partial one; and everything that was not damaged
 * is read back. 600 random journals (seeded), each checked against a brute-force oracle.
 */

const PIECES = ['PVJ1', '{"records":[', '"', '\\', 'é', '😀', '\u0000', 'x', '}', ' ', 'PVJ', '1'];

/** A payload as the journal writes one: JSON text (here of a random string that likes to contain the frame magic). */
function payloadOf(next: () => number): Buffer {
  let text = '';
  const length = Math.floor(next() * 40);
  for (let i = 0; i < length; i += 1) text += PIECES[Math.floor(next() * PIECES.length)];
  return Buffer.from(JSON.stringify({ records: [{ value: text }] }));
}

type Damage = 'cut' | 'fragment' | 'flip' | 'none';

describe('journal frames under random damage (property, 600 seeded cases)', () => {
  it('read back: only written payloads, in order, none merged; everything undamaged recovered', () => {
    const counts: Record<Damage, number> = { cut: 0, fragment: 0, flip: 0, none: 0 };
    for (let seed = 1; seed <= 600; seed += 1) {
      const next = random(seed);
      const payloads = Array.from({ length: 1 + Math.floor(next() * 12) }, () => payloadOf(next));
      const frames = payloads.map(encodeFrame);
      const damage: Damage = (['cut', 'fragment', 'flip', 'none'] as const)[Math.floor(next() * 4)]!;
      counts[damage] += 1;
      let file: Buffer;
      let expected: Buffer[];
      if (damage === 'cut') {
        // A crash mid-write: the file ends anywhere; frames wholly before the cut survive.
        const whole = Buffer.concat(frames);
        const cut = Math.floor(next() * whole.length);
        file = whole.subarray(0, cut);
        expected = [];
        let end = 0;
        for (const frame of frames) {
          end += frame.length;
          if (end <= cut) expected.push(frame.subarray(12));
        }
      } else if (damage === 'fragment') {
        // A write cut short and then followed by more frames (what the old journal did on a full disk).
        const at = Math.floor(next() * (frames.length + 1));
        const victim = encodeFrame(payloadOf(next));
        const fragment = victim.subarray(0, Math.floor(next() * victim.length));
        file = Buffer.concat([...frames.slice(0, at), fragment, ...frames.slice(at)]);
        expected = payloads;
      } else if (damage === 'flip') {
        // Bytes of one frame changed (bad sector, bit rot): that frame is lost, the others are not.
        const victim = Math.floor(next() * frames.length);
        const copy = frames.map((frame) => Buffer.from(frame));
        const bytes = copy[victim]!;
        const position = Math.floor(next() * bytes.length);
        bytes.writeUInt8(bytes.readUInt8(position) ^ (1 + Math.floor(next() * 255)), position);
        file = Buffer.concat(copy);
        expected = payloads.filter((_, i) => i !== victim);
      } else {
        file = Buffer.concat(frames);
        expected = payloads;
      }
      const read = readFrames(file);
      expect(read.payloads.map(String), `seed ${seed} (${damage})`).toEqual(expected.map(String));
      if (damage === 'none') expect(read.skippedBytes).toBe(0);
      if (damage === 'flip') expect(read.skippedRegions, `seed ${seed}: the damaged frame is reported`).toBeGreaterThan(0);
    }
    expect(Math.min(...Object.values(counts))).toBeGreaterThan(100);
  });
});
