import type { IncomingMessage } from 'node:http';

/** The largest body a webhook route reads (GitHub caps its payloads at 25 MB). */
export const MAX_BODY_BYTES = 25 * 1024 * 1024;

/**
 * The bytes held, across every request of a receiver, for bodies whose signature is not checked
 * yet (GitHub, PagerDuty and generic HMAC senders sign the whole body, so it must be held until its
 * last byte). Past it, a new unverified chunk is refused with 503 and its connection closed.
 */
export const UNVERIFIED_BUDGET_BYTES = 48 * 1024 * 1024;

export class BodyTooLargeError extends Error {
  constructor(readonly limit: number) {
    super(`request body is larger than ${limit} bytes`);
  }
}

/** The client went away before the body ended (nothing to answer; logged as a refusal, not a failure). */
export class ClientAbortedError extends Error {}

export class BudgetExhaustedError extends Error {
  constructor(readonly budget: number) {
    super(`more than ${budget} bytes of unauthenticated request bodies are in flight`);
  }
}

/** A shared allowance of bytes for bodies not yet authenticated. */
export class UnverifiedBytes {
  private held = 0;
  constructor(readonly budget = UNVERIFIED_BUDGET_BYTES) {}

  get inFlight(): number {
    return this.held;
  }

  tryReserve(bytes: number): boolean {
    if (this.held + bytes > this.budget) return false;
    this.held += bytes;
    return true;
  }

  release(bytes: number): void {
    this.held = Math.max(0, this.held - bytes);
  }
}

export interface ReadBodyOptions {
  /** Refuse the body past this many bytes (413). */
  limit?: number;
  /** Set while the sender is not authenticated yet: every chunk held counts against it until the read ends. */
  unverified?: UnverifiedBytes;
  /** Sees every chunk as it arrives (a streaming signature check). */
  onChunk?: (chunk: Buffer) => void;
}

/** A body as the chunks it arrived in: joined only once it is known to be wanted. */
export class BodyChunks {
  constructor(private chunks: Buffer[], readonly size: number) {}

  /** Joins the chunks once (and drops them). */
  toBuffer(): Buffer {
    const joined = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks, this.size);
    this.chunks = [joined];
    return joined;
  }

  /** Drops the bytes (a body refused after reading). */
  discard(): void {
    this.chunks = [];
  }
}

/**
 * Reads the body as raw bytes, refusing anything past `limit` (a declared Content-Length before
 * reading a byte) and, for an unauthenticated sender, anything past the shared budget. On refusal
 * the request is paused, not destroyed, so the caller can still answer before closing the socket.
 * The reserved budget is given back when the read ends, however it ends; the caller checks the
 * signature at once.
 */
export function readBody(request: IncomingMessage, options: ReadBodyOptions = {}): Promise<BodyChunks> {
  const limit = options.limit ?? MAX_BODY_BYTES;
  const declared = Number(request.headers['content-length'] ?? 0);
  if (declared > limit) return Promise.reject(new BodyTooLargeError(limit));
  return new Promise<BodyChunks>((resolve, reject) => {
    let chunks: Buffer[] = [];
    let size = 0;
    let reserved = 0;
    const finish = (error: Error | null) => {
      request.off('data', onData).off('end', onEnd).off('error', onError).off('aborted', onAborted).off('close', onAborted);
      options.unverified?.release(reserved);
      reserved = 0;
      if (error) {
        request.pause();
        chunks = [];
        reject(error);
      } else {
        resolve(new BodyChunks(chunks, size));
      }
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) return finish(new BodyTooLargeError(limit));
      if (options.unverified) {
        if (!options.unverified.tryReserve(chunk.length)) return finish(new BudgetExhaustedError(options.unverified.budget));
        reserved += chunk.length;
      }
      options.onChunk?.(chunk);
      chunks.push(chunk);
    };
    const onEnd = () => finish(null);
    const onError = (error: Error) => finish(error);
    const onAborted = () => finish(new ClientAbortedError('the client closed the connection before the body ended'));
    request.on('data', onData).on('end', onEnd).on('error', onError).on('aborted', onAborted).on('close', onAborted);
  });
}

/** How long a refused request's connection stays half-open after the answer, so the client can read it. */
export const LINGER_MS = 2_000;

/**
 * Ends the connection after the answer to a request whose body was not read to its end. Closing at
 * once with body bytes still arriving makes the kernel send a reset, which can wipe the answer
 * before the client reads it; so the socket is half-closed after the answer and no longer read
 * (what still arrives waits in the kernel, never in this process), and destroyed LINGER_MS later.
 * Call before `response.end()`, with `Connection: close` set on the answer.
 */
export function closeAfterAnswer(request: IncomingMessage): void {
  const socket = request.socket as IncomingMessage['socket'] & { destroySoon?: () => void };
  // Node calls destroySoon() once a `Connection: close` answer is written (after resuming an unread body to discard it).
  socket.destroySoon = () => {
    request.pause();
    socket.pause();
    if (!socket.writableEnded) socket.end();
    setTimeout(() => socket.destroy(), LINGER_MS).unref();
  };
}
