import { execFileSync } from 'node:child_process';
import { appendFileSync, closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { BusUnavailableError, type BusMessage } from '../src/bus/bus.js';
import { InProcessBus } from '../src/bus/in-process.js';
import { crc32, encodeFrame, readFrames } from '../src/bus/journal.js';

const record = (i: number) => ({ topic: 'events' as const, key: `k${i}`, value: `{"n":${i}}`, headers: { h: String(i) } });
const delivery = (id: string, bytes = 10) => ({ topic: 'raw' as const, key: `github:${id}`, value: 'x'.repeat(bytes), headers: {} });

async function consumeAll(bus: InProcessBus): Promise<BusMessage[]> {
  const seen: BusMessage[] = [];
  const subscription = await bus.consume({ groupId: 'g', maxBatchSize: 100, maxBatchWaitMs: 0 }, async (messages) => { seen.push(...messages); });
  await bus.drained(5_000);
  await subscription.stop();
  return seen;
}

const journalDir = () => mkdtempSync(join(tmpdir(), 'paved-journal-'));

describe('journal frames', () => {
  const frames = (...texts: string[]) => Buffer.concat(texts.map((t) => encodeFrame(Buffer.from(t))));

  it('CRC-32 is the IEEE one (check value of "123456789")', () => {
    expect(crc32(Buffer.from('123456789'))).toBe(0xcbf43926);
  });

  it('reads every intact frame back and reports nothing skipped', () => {
    const read = readFrames(frames('one', 'two', 'three'));
    expect(read.payloads.map(String)).toEqual(['one', 'two', 'three']);
    expect([read.skippedBytes, read.skippedRegions]).toEqual([0, 0]);
  });

  it('a torn tail is skipped and counted, and the end is where the last intact frame ends', () => {
    const whole = frames('one', 'two');
    const torn = encodeFrame(Buffer.from('three-is-longer')).subarray(0, 9);
    const read = readFrames(Buffer.concat([whole, torn]));
    expect(read.payloads.map(String)).toEqual(['one', 'two']);
    expect(read.end).toBe(whole.length);
    expect([read.skippedBytes, read.skippedRegions]).toEqual([9, 1]);
  });

  it('a fragment followed by a whole frame is never merged with it: the fragment is skipped, the frame read', () => {
    const fragment = encodeFrame(Buffer.from('{"records":[cut here')).subarray(0, 20);
    const read = readFrames(Buffer.concat([frames('one'), fragment, frames('after')]));
    expect(read.payloads.map(String)).toEqual(['one', 'after']);
    expect([read.skippedBytes, read.skippedRegions]).toEqual([20, 1]);
  });

  it('a frame whose bytes changed fails its checksum and is skipped', () => {
    const data = frames('one', 'two', 'three');
    data.writeUInt8(data.readUInt8(12 + 3 + 12 + 1) ^ 0xff, 12 + 3 + 12 + 1); // a byte inside "two"
    const read = readFrames(data);
    expect(read.payloads.map(String)).toEqual(['one', 'three']);
    expect(read.skippedRegions).toBe(1);
  });
});

describe('in-process bus journal', () => {
  it('an acknowledged record survives a crash before the sink committed it, and is delivered once after', async () => {
    const dir = journalDir();
    const crashed = new InProcessBus({ journalDir: dir });
    await crashed.publish([record(1), record(2), record(3)]);
    // The process dies here: nothing consumed, nothing closed.

    const restarted = new InProcessBus({ journalDir: dir });
    expect(restarted.recovered).toBe(3);
    const seen = await consumeAll(restarted);
    expect(seen.map((m) => [m.key, m.value, m.headers.h])).toEqual([['k1', '{"n":1}', '1'], ['k2', '{"n":2}', '2'], ['k3', '{"n":3}', '3']]);
    await restarted.close();

    const again = new InProcessBus({ journalDir: dir });
    expect(again.recovered).toBe(0);
    await again.publish([record(4)]);
    const next = await consumeAll(again);
    expect(next.map((m) => [m.key, m.offset])).toEqual([['k4', '3']]);
  });

  it('a record torn by a crash mid-write is skipped with a count, and later records are never merged with it', async () => {
    const dir = journalDir();
    const first = new InProcessBus({ journalDir: dir });
    await first.publish([record(1)]);
    // The crash cut the next frame short.
    appendFileSync(join(dir, 'journal.pvj'), encodeFrame(Buffer.from(JSON.stringify({ records: [{ topic: 'events', offset: 1, key: 'torn', value: '{}', headers: {} }] }))).subarray(0, 30));

    const second = new InProcessBus({ journalDir: dir });
    expect(second.recovered).toBe(1);
    expect(second.recovery).toMatchObject({ skippedBytes: 30, skippedRegions: 1 });
    await second.publish([record(2)]);
    // Crash again: the fragment was cut at start-up, so record 2 follows record 1 directly.
    const third = new InProcessBus({ journalDir: dir });
    expect(third.recovery).toMatchObject({ records: 2, skippedBytes: 0 });
    expect((await consumeAll(third)).map((m) => m.key)).toEqual(['k1', 'k2']);
  });

  it('an intact frame that holds no journal record is skipped and counted, the records around it kept', async () => {
    const dir = journalDir();
    const bus = new InProcessBus({ journalDir: dir });
    await bus.publish([record(1)]);
    appendFileSync(join(dir, 'journal.pvj'), encodeFrame(Buffer.from('{"records":[{"topic":"nowhere"}]}')));
    const second = new InProcessBus({ journalDir: dir });
    await second.publish([record(2)]);
    const third = new InProcessBus({ journalDir: dir });
    expect(third.recovery).toMatchObject({ records: 2, unreadableFrames: 1, skippedBytes: 0 });
    expect((await consumeAll(third)).map((m) => m.key)).toEqual(['k1', 'k2']);
  });

  it('a journal of the earlier line-per-record format is read once and carried over', async () => {
    const dir = journalDir();
    const line = (offset: number) => JSON.stringify({ topic: 'events', offset, key: `old${offset}`, value: '{}', headers: {} });
    writeFileSync(join(dir, 'journal.ndjson'), `${line(0)}\n${line(1)}\n{"topic":"events","off`);
    const bus = new InProcessBus({ journalDir: dir });
    expect(bus.recovery).toMatchObject({ records: 2, legacyRecords: 2 });
    expect(existsSync(join(dir, 'journal.ndjson'))).toBe(false);
    const again = new InProcessBus({ journalDir: dir });
    expect((await consumeAll(again)).map((m) => m.key)).toEqual(['old0', 'old1']);
  });

  it('an old-format journal left beside its carried-over copy (the upgrade stopped before removing it) delivers each record once, in order', async () => {
    const dir = journalDir();
    const entry = (offset: number, key: string) => ({ topic: 'events', offset, key, value: '{}', headers: {} });
    writeFileSync(join(dir, 'journal.ndjson'), `${JSON.stringify(entry(0, 'old0'))}\n${JSON.stringify(entry(1, 'old1'))}\n`);
    writeFileSync(join(dir, 'journal.pvj'), Buffer.concat([
      encodeFrame(Buffer.from(JSON.stringify({ records: [entry(0, 'old0')] }))),
      encodeFrame(Buffer.from(JSON.stringify({ records: [entry(1, 'old1')] }))),
      encodeFrame(Buffer.from(JSON.stringify({ records: [entry(2, 'new2')] }))),
    ]));
    const bus = new InProcessBus({ journalDir: dir });
    expect(bus.recovery).toMatchObject({ records: 3, legacyRecords: 2 });
    expect((await consumeAll(bus)).map((m) => [m.key, m.offset])).toEqual([['old0', '0'], ['old1', '1'], ['new2', '2']]);
  });

  it('concurrent publishes share their fdatasync (group commit) and each resolves only after it', async () => {
    const dir = journalDir();
    const bus = new InProcessBus({ journalDir: dir, groupCommitMs: 5 });
    await Promise.all(Array.from({ length: 200 }, (_, i) => bus.publish([record(i)])));
    expect(bus.journalSyncs).toBeGreaterThan(0);
    expect(bus.journalSyncs).toBeLessThan(20);
    expect(new InProcessBus({ journalDir: dir }).recovered).toBe(200);
  });

  it('delivery keys are remembered across restarts, also after the journal was emptied', async () => {
    const dir = journalDir();
    const bus = new InProcessBus({ journalDir: dir });
    await bus.publish([delivery('d1'), record(1)]);
    expect(bus.hasDelivery('github:d1')).toBe(true);
    await consumeAll(bus);
    // Emptying the journal moved the key to the key log.
    await expect.poll(() => statSync(join(dir, 'journal.pvj')).size).toBe(0);
    const restarted = new InProcessBus({ journalDir: dir });
    expect(restarted.hasDelivery('github:d1')).toBe(true);
    expect(restarted.hasDelivery('github:d2')).toBe(false);
    await restarted.publish([delivery('d2')]);
    // Crash before the sink: the key is read back from the journal itself.
    const crashed = new InProcessBus({ journalDir: dir });
    expect([crashed.hasDelivery('github:d1'), crashed.hasDelivery('github:d2')]).toEqual([true, true]);
    expect(crashed.recovery?.deliveryKeys).toBe(2);
  });

  it('without a journal directory nothing is written', async () => {
    const bus = new InProcessBus();
    await bus.publish([record(1)]);
    expect(bus.recovered).toBe(0);
    expect((await consumeAll(bus)).length).toBe(1);
  });
});

/** A small tmpfs (root only); null where the machine does not allow mounting. */
function mountTmpfs(size: string): string | null {
  if (process.getuid?.() !== 0) return null;
  const dir = mkdtempSync(join(tmpdir(), 'paved-tmpfs-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir], { stdio: 'pipe' });
    return dir;
  } catch {
    rmSync(dir, { recursive: true, force: true });
    return null;
  }
}

const mounted: string[] = [];
afterEach(() => {
  for (const dir of mounted.splice(0)) {
    execFileSync('umount', ['-l', dir], { stdio: 'pipe' });
    rmSync(dir, { recursive: true, force: true });
  }
});

const canMount = (() => {
  const probe = mountTmpfs('1m');
  if (!probe) return false;
  execFileSync('umount', [probe]);
  rmSync(probe, { recursive: true, force: true });
  return true;
})();
if (!canMount) console.warn('in-process bus journal: skipping the full/read-only disk tests (they need root to mount a tmpfs)');

describe.skipIf(!canMount)('in-process bus journal on a full or read-only disk (tmpfs, root)', () => {
  it('a full disk refuses publishes whole (503), leaves no fragment, reports degraded, and recovers when space returns', async () => {
    const dir = mountTmpfs('1m')!;
    mounted.push(dir);
    const bus = new InProcessBus({ journalDir: join(dir, 'bus') });
    const acknowledged: string[] = [];
    let refusal: unknown = null;
    for (let i = 0; i < 100 && !refusal; i += 1) {
      try {
        await bus.publish([delivery(`d${i}`, 60_000)]);
        acknowledged.push(`github:d${i}`);
      } catch (error) {
        refusal = error;
      }
    }
    expect(refusal).toBeInstanceOf(BusUnavailableError);
    expect((refusal as Error).message).toMatch(/disk is full \(ENOSPC\)/);
    // Nothing but whole frames in the file.
    const bytes = readFileSync(join(dir, 'bus', 'journal.pvj'));
    expect(readFrames(bytes)).toMatchObject({ skippedBytes: 0, end: bytes.length });
    const health = await bus.health();
    expect(health.ok).toBe(false);
    expect(health.detail).toMatch(/degraded: .*disk is full/);

    execFileSync('mount', ['-o', 'remount,size=4m', dir]);
    expect((await bus.health()).ok).toBe(true);
    await bus.publish([delivery('after', 60_000)]);
    acknowledged.push('github:after');
    const restarted = new InProcessBus({ journalDir: join(dir, 'bus') });
    expect(restarted.recovery).toMatchObject({ records: acknowledged.length, skippedBytes: 0 });
    expect((await consumeAll(restarted)).map((m) => m.key)).toEqual(acknowledged);
  });

  it('on a full disk the drained journal is still emptied (freeing space); the keys it held are saved once space returns', async () => {
    const dir = mountTmpfs('1m')!;
    mounted.push(dir);
    const bus = new InProcessBus({ journalDir: join(dir, 'bus') });
    let full = false;
    let accepted = 0;
    for (let i = 0; i < 100 && !full; i += 1) {
      try {
        await bus.publish([delivery(`d${i}`, 60_000)]);
        accepted += 1;
      } catch {
        full = true;
      }
    }
    expect(full).toBe(true);
    // Not even a small key frame fits any more.
    const filler = openSync(join(dir, 'filler'), 'w');
    for (const size of [4096, 64]) {
      try {
        for (;;) writeSync(filler, Buffer.alloc(size));
      } catch {
        // full
      }
    }
    closeSync(filler);
    await consumeAll(bus);
    await expect.poll(() => statSync(join(dir, 'bus', 'journal.pvj')).size).toBe(0);
    execFileSync('mount', ['-o', 'remount,size=4m', dir]);
    await bus.publish([delivery('after')]);
    await consumeAll(bus);
    await expect.poll(() => statSync(join(dir, 'bus', 'journal.pvj')).size).toBe(0);
    const restarted = new InProcessBus({ journalDir: join(dir, 'bus') });
    expect(restarted.recovery?.deliveryKeys).toBe(accepted + 1);
    expect(restarted.hasDelivery('github:d0')).toBe(true);
  });

  it('a journal on a read-only disk fails at start-up naming the reason (a disk that turns read-only while open answers like a full one)', async () => {
    const dir = mountTmpfs('2m')!;
    mounted.push(dir);
    const bus = new InProcessBus({ journalDir: join(dir, 'bus') });
    await bus.publish([record(1)]);
    await bus.close();
    execFileSync('mount', ['-o', 'remount,ro', dir]);
    expect(() => new InProcessBus({ journalDir: join(dir, 'bus') })).toThrow(/cannot be written: the file system is read-only \(EROFS\)/);
  });
});
