import { closeSync, fdatasync, fsyncSync, ftruncateSync, openSync, readFileSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import * as zlib from 'node:zlib';

/*
 * An append-only file of framed, checksummed records, written completely or not at all.
 *
 * Frame: "PVJ1" | payload length (u32 BE) | CRC-32 of the payload (u32 BE) | payload.
 * A reader accepts a frame only when its magic, length and checksum all hold, so a fragment left
 * by a crash or a full disk is never read as (or merged with) a record; after a bad region it
 * resynchronises on the next frame that checks out.
 *
 * Durability: `append` writes the frame at once and resolves after the fdatasync that covers it.
 * Syncs are grouped (group commit): the first write after a quiet period waits at most
 * `groupCommitMs` for others to join, and writes arriving during a sync are covered by the next.
 */

export const FRAME_MAGIC = Buffer.from('PVJ1', 'latin1');
const HEADER_BYTES = 12;

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n += 1) {
    let c = n;
    for (let k = 0; k < 8; k += 1) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/** CRC-32 (IEEE), the same as zlib's; Node's own `zlib.crc32` exists from 20.15 only. */
export function crc32(data: Uint8Array): number {
  const native = (zlib as { crc32?: (data: Uint8Array) => number }).crc32;
  if (native) return native(data) >>> 0;
  let c = 0xffffffff;
  for (let i = 0; i < data.length; i += 1) c = CRC_TABLE[(c ^ data[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

export function encodeFrame(payload: Buffer): Buffer {
  const frame = Buffer.allocUnsafe(HEADER_BYTES + payload.length);
  FRAME_MAGIC.copy(frame, 0);
  frame.writeUInt32BE(payload.length, 4);
  frame.writeUInt32BE(crc32(payload), 8);
  payload.copy(frame, HEADER_BYTES);
  return frame;
}

function frameLengthAt(data: Buffer, at: number): number | null {
  if (at + HEADER_BYTES > data.length) return null;
  if (data.compare(FRAME_MAGIC, 0, 4, at, at + 4) !== 0) return null;
  const length = data.readUInt32BE(at + 4);
  if (at + HEADER_BYTES + length > data.length) return null;
  if (crc32(data.subarray(at + HEADER_BYTES, at + HEADER_BYTES + length)) !== data.readUInt32BE(at + 8)) return null;
  return length;
}

export interface FramesRead {
  payloads: Buffer[];
  /** End of the last good frame: where the next frame is appended. */
  end: number;
  /** Bytes that were no frame (a torn tail, a corrupt frame), and in how many places. */
  skippedBytes: number;
  skippedRegions: number;
}

/** The good frames of a journal file's bytes, skipping what does not check out. */
export function readFrames(data: Buffer): FramesRead {
  const payloads: Buffer[] = [];
  let at = 0;
  let end = 0;
  let skippedBytes = 0;
  let skippedRegions = 0;
  while (at < data.length) {
    const length = frameLengthAt(data, at);
    if (length !== null) {
      payloads.push(data.subarray(at + HEADER_BYTES, at + HEADER_BYTES + length));
      at += HEADER_BYTES + length;
      end = at;
      continue;
    }
    // Not a frame here: skip to the next place where one checks out, or to the end.
    skippedRegions += 1;
    let next = data.indexOf(FRAME_MAGIC, at + 1);
    while (next >= 0 && frameLengthAt(data, next) === null) next = data.indexOf(FRAME_MAGIC, next + 1);
    const resume = next >= 0 ? next : data.length;
    skippedBytes += resume - at;
    at = resume;
  }
  return { payloads, end, skippedBytes, skippedRegions };
}

const STORAGE_PROBLEMS: Record<string, string> = {
  ENOSPC: 'the disk is full',
  EDQUOT: 'the disk quota is exhausted',
  EROFS: 'the file system is read-only',
  EIO: 'an I/O error',
  EFBIG: 'the file is too large for the file system',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
};

/** Why the journal cannot be written now (the disk is full, read-only, failing): the bus answers 503 meanwhile. */
export class JournalWriteError extends Error {
  constructor(readonly code: string, readonly path: string, cause: unknown) {
    super(`the journal ${path} cannot be written: ${STORAGE_PROBLEMS[code] ?? 'a storage error'} (${code})`, { cause });
    this.name = 'JournalWriteError';
  }
}

function codeOf(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  return typeof code === 'string' ? code : 'EIO';
}

function syncDirectory(path: string): void {
  try {
    const fd = openSync(dirname(path), 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    // Some file systems refuse fsync on a directory; the file's own sync still holds its data.
  }
}

interface Waiter {
  seq: number;
  resolve: () => void;
  reject: (error: Error) => void;
}

export interface JournalFileOptions {
  /** How long the first write of a group waits for others before the fdatasync (default 2 ms). */
  groupCommitMs?: number;
}

/** One journal file open for appending, with group commit; see the module comment. */
export class JournalFile {
  private fd: number;
  /** End of the last completely written frame; nothing after it is ever read back as a record. */
  private tail: number;
  /** End of the last frame known durable (covered by a successful fdatasync). */
  private durableTail: number;
  /** Bytes may lie after `tail` (a failed write whose truncation failed too): cut them before writing again. */
  private untidy = false;
  private writtenSeq = 0;
  private durableSeq = 0;
  private syncing = false;
  private syncTimer: NodeJS.Timeout | null = null;
  private waiters: Waiter[] = [];
  private readonly groupCommitMs: number;
  /** The last storage failure, until a write and its sync succeed again. */
  failure: JournalWriteError | null = null;
  /** fdatasync calls so far (each covers a group of appends). */
  syncs = 0;

  /** Opens (creating) the file and cuts anything after `validEnd` (a torn tail found by readFrames). */
  constructor(readonly path: string, validEnd: number, options: JournalFileOptions = {}) {
    this.groupCommitMs = options.groupCommitMs ?? 2;
    let created = false;
    try {
      this.fd = openSync(path, 'r+');
    } catch (error) {
      if (codeOf(error) !== 'ENOENT') throw new JournalWriteError(codeOf(error), path, error);
      this.fd = openSync(path, 'w+');
      created = true;
    }
    this.tail = validEnd;
    this.durableTail = validEnd;
    try {
      ftruncateSync(this.fd, validEnd);
    } catch {
      this.untidy = true;
    }
    if (created) syncDirectory(path);
  }

  /** Bytes of good frames in the file. */
  get size(): number {
    return this.tail;
  }

  /** Nothing written is waiting for its sync. */
  get idle(): boolean {
    return this.writtenSeq === this.durableSeq && !this.syncing && this.waiters.length === 0;
  }

  /**
   * Writes one frame now (all of it, or nothing: a partial write is cut back) and resolves once it
   * is durable. Throws JournalWriteError when the storage refuses (full, read-only, I/O error).
   */
  append(payload: Buffer): Promise<void> {
    const frame = encodeFrame(payload);
    this.tidy();
    let written = 0;
    try {
      while (written < frame.length) {
        const count = writeSync(this.fd, frame, written, frame.length - written, this.tail + written);
        // A write that makes no progress would loop forever: treat it as a full disk.
        if (count <= 0) throw Object.assign(new Error('write made no progress'), { code: 'ENOSPC' });
        written += count;
      }
    } catch (error) {
      this.cutBackTo(this.tail);
      throw this.failed(error);
    }
    this.tail += frame.length;
    this.writtenSeq += 1;
    const seq = this.writtenSeq;
    const durable = new Promise<void>((resolve, reject) => this.waiters.push({ seq, resolve, reject }));
    this.scheduleSync();
    return durable;
  }

  /** Empties the file (everything in it is committed downstream). Only when idle. */
  truncate(): void {
    if (!this.idle) throw new Error('journal truncate while appends are waiting for their sync');
    ftruncateSync(this.fd, 0);
    this.tail = 0;
    this.durableTail = 0;
    this.untidy = false;
  }

  /**
   * Replaces the file with these frames (compaction), atomically: a temporary file is written and
   * synced, then renamed over the journal. On a storage error the old file stays as it was.
   */
  replaceWith(payloads: Buffer[]): void {
    if (!this.idle) throw new Error('journal rewrite while appends are waiting for their sync');
    const temp = `${this.path}.tmp`;
    let fd: number | null = null;
    try {
      fd = openSync(temp, 'w');
      let position = 0;
      for (const payload of payloads) {
        const frame = encodeFrame(payload);
        let written = 0;
        while (written < frame.length) {
          const count = writeSync(fd, frame, written, frame.length - written, position + written);
          if (count <= 0) throw Object.assign(new Error('write made no progress'), { code: 'ENOSPC' });
          written += count;
        }
        position += frame.length;
      }
      fsyncSync(fd);
      closeSync(fd);
      fd = null;
      renameSync(temp, this.path);
      syncDirectory(this.path);
      closeSync(this.fd);
      this.fd = openSync(this.path, 'r+');
      this.tail = position;
      this.durableTail = position;
      this.untidy = false;
    } catch (error) {
      if (fd !== null) closeSync(fd);
      try {
        unlinkSync(temp);
      } catch {
        // nothing left behind
      }
      throw this.failed(error);
    }
  }

  close(): void {
    if (this.syncTimer) clearTimeout(this.syncTimer);
    this.syncTimer = null;
    for (const waiter of this.waiters.splice(0)) waiter.reject(new Error('the journal was closed before the record was synced'));
    closeSync(this.fd);
  }

  private failed(error: unknown): JournalWriteError {
    this.failure = error instanceof JournalWriteError ? error : new JournalWriteError(codeOf(error), this.path, error);
    return this.failure;
  }

  /** Cuts the file back to `end`; if even that fails, the next append tries again first. */
  private cutBackTo(end: number): void {
    try {
      ftruncateSync(this.fd, end);
      this.untidy = false;
    } catch {
      this.untidy = true;
    }
  }

  private tidy(): void {
    if (!this.untidy) return;
    try {
      ftruncateSync(this.fd, this.tail);
      this.untidy = false;
    } catch (error) {
      // Never append after a fragment that could not be removed.
      throw this.failed(error);
    }
  }

  private scheduleSync(): void {
    if (this.syncing || this.syncTimer) return;
    this.syncTimer = setTimeout(() => {
      this.syncTimer = null;
      this.sync();
    }, this.groupCommitMs);
  }

  private sync(): void {
    this.syncing = true;
    const upTo = this.writtenSeq;
    const tailAtStart = this.tail;
    fdatasync(this.fd, (error) => {
      this.syncing = false;
      this.syncs += 1;
      if (error) {
        // What the failed sync covered may or may not be on disk: every waiting append fails (503,
        // the sender retries) and the file is cut back to what is known durable, so none of it is
        // read back after a restart either.
        const failure = this.failed(error);
        this.tail = this.durableTail;
        this.cutBackTo(this.durableTail);
        this.durableSeq = this.writtenSeq;
        for (const waiter of this.waiters.splice(0)) waiter.reject(failure);
        return;
      }
      this.durableSeq = upTo;
      this.durableTail = tailAtStart;
      this.failure = null;
      while (this.waiters.length && this.waiters[0]!.seq <= upTo) this.waiters.shift()!.resolve();
      // Appends made during this sync already waited: sync them now.
      if (this.waiters.length) this.sync();
    });
  }
}

/** The whole file, or nothing when it does not exist. */
export function readJournalBytes(path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (error) {
    if (codeOf(error) === 'ENOENT') return Buffer.alloc(0);
    throw error;
  }
}
