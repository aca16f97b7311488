import { randomUUID } from 'node:crypto';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import { createLogger, type Logger, safeEqual } from '@paved/ingest';
import { EmbeddedEngine } from '@paved/warehouse';
import { loadConfig } from '@paved/runtime';
import { onShutdown } from '../../src/commands/services.js';
import { listen } from '../../src/ops.js';
import { dataDirOf } from '../../src/setup.js';

/**
 * Test support, not a product command: the embedded engine behind the ClickHouse HTTP interface,
 * on loopback (run it with clickhouse-standin-main.ts).
 * Enough of the interface for @clickhouse/client (`createClient({ url })`) and curl: `/ping`,
 * queries in the URL and/or body, `param_<name>`, `database`, settings as URL parameters,
 * `default_format`, inline INSERT data, the X-ClickHouse-* headers and `Code: N. DB::Exception`
 * errors. It exists so that "ClickHouse is down" can be a real network outage on a machine
 * where no ClickHouse server runs. Not supported: sessions (`session_id` is ignored, a sent
 * `SET` or `USE` lasts for that request only, as on a real server without a session), the
 * native compressed protocol (`compress`/`decompress`), external tables.
 */

/** Thrown for a query that arrives while the server shuts down. */
class ServerClosing extends Error {}

/** A server exception: the code and name a real server would send, and the HTTP status it maps to. */
export class ClickHouseHttpException extends Error {
  constructor(readonly code: number, readonly type: string, message: string) {
    super(message);
    this.name = 'ClickHouseHttpException';
  }
}

const SYNTAX_ERROR = (message: string) => new ClickHouseHttpException(62, 'SYNTAX_ERROR', message);
const BAD_ARGUMENTS = (message: string) => new ClickHouseHttpException(36, 'BAD_ARGUMENTS', message);
const READONLY = (message: string) => new ClickHouseHttpException(164, 'READONLY', message);
const AUTHENTICATION_FAILED = (user: string) => new ClickHouseHttpException(516, 'AUTHENTICATION_FAILED', `${user}: Authentication failed: password is incorrect, or there is no user with such name.`);

// ClickHouse's exceptionCodeToHTTPStatus, by exception name (every other exception is a 500).
const STATUS_BY_TYPE: Record<string, number> = {
  REQUIRED_PASSWORD: 401,
  ...Object.fromEntries(['UNKNOWN_USER', 'WRONG_PASSWORD', 'AUTHENTICATION_FAILED', 'SET_NON_GRANTED_ROLE', 'ACCESS_DENIED'].map((t) => [t, 403])),
  ...Object.fromEntries([
    'BAD_ARGUMENTS', 'CANNOT_COMPILE_REGEXP', 'CANNOT_PARSE_TEXT', 'CANNOT_PARSE_ESCAPE_SEQUENCE', 'CANNOT_PARSE_QUOTED_STRING', 'CANNOT_PARSE_DATE',
    'CANNOT_PARSE_DATETIME', 'CANNOT_PARSE_NUMBER', 'CANNOT_PARSE_DOMAIN_VALUE_FROM_STRING', 'CANNOT_PARSE_IPV4', 'CANNOT_PARSE_IPV6',
    'CANNOT_PARSE_INPUT_ASSERTION_FAILED', 'CANNOT_PARSE_UUID', 'DUPLICATE_COLUMN', 'ILLEGAL_COLUMN', 'UNKNOWN_ELEMENT_IN_AST', 'UNKNOWN_TYPE_OF_AST_NODE',
    'THERE_IS_NO_COLUMN', 'TOO_DEEP_AST', 'TOO_BIG_AST', 'UNEXPECTED_AST_STRUCTURE', 'SYNTAX_ERROR', 'INCORRECT_DATA', 'TYPE_MISMATCH', 'VALUE_IS_OUT_OF_RANGE_OF_DATA_TYPE',
  ].map((t) => [t, 400])),
  ...Object.fromEntries([
    'UNKNOWN_TABLE', 'UNKNOWN_FUNCTION', 'UNKNOWN_IDENTIFIER', 'UNKNOWN_TYPE', 'UNKNOWN_STORAGE', 'UNKNOWN_DATABASE', 'UNKNOWN_SETTING',
    'UNKNOWN_DIRECTION_OF_SORTING', 'UNKNOWN_AGGREGATE_FUNCTION', 'UNKNOWN_FORMAT', 'UNKNOWN_DATABASE_ENGINE', 'UNKNOWN_TYPE_OF_QUERY', 'UNKNOWN_ROLE',
  ].map((t) => [t, 404])),
  QUERY_IS_TOO_LARGE: 413,
  NOT_IMPLEMENTED: 501,
  SOCKET_TIMEOUT: 503,
  CANNOT_OPEN_FILE: 503,
  CANNOT_SCHEDULE_TASK: 503,
  HTTP_LENGTH_REQUIRED: 411,
  TIMEOUT_EXCEEDED: 408,
  UNSUPPORTED_MEDIA_TYPE: 415,
};

/** URL parameters that are part of the HTTP protocol, not settings to apply to the query. */
const PROTOCOL_PARAMETERS = new Set([
  'query', 'query_id', 'database', 'default_format', 'session_id', 'session_timeout', 'session_check', 'user', 'password', 'quota_key', 'role',
  'compress', 'decompress', 'buffer_size', 'wait_end_of_query', 'enable_http_compression', 'http_zlib_compression_level', 'send_progress_in_http_headers',
  'http_headers_progress_interval_ms', 'http_response_buffer_size', 'http_wait_end_of_query', 'add_http_cors_header', 'cancel_http_readonly_queries_on_client_close',
  'http_native_compression_disable_checksumming_on_decompress', 'client_protocol_version', 'readonly',
]);

/** Where the embedded engine's defaults differ from a server's, the server's: clients must not see a difference. */
const SERVER_DEFAULTS: Record<string, string> = {
  // chdb answers 64-bit integers as JSON numbers; a server quotes them unless told otherwise.
  output_format_json_quote_64bit_integers: '1',
};

/** Statements that read only, allowed for GET and `readonly=1` (ClickHouse: "GET implies readonly"). */
const READ_ONLY_KINDS = new Set(['SELECT', 'WITH', 'SHOW', 'DESCRIBE', 'DESC', 'EXISTS', 'EXPLAIN', 'CHECK']);

/** Formats whose inline data has one row per line, so an INSERT's written rows can be counted. */
const LINE_FORMATS = /^(JSONEachRow|JSONLines|NDJSON|JSONCompactEachRow|JSONStringsEachRow|JSONCompactStringsEachRow|TabSeparated|TSV|TabSeparatedRaw|TSVRaw|CSV|LineAsString)$/i;

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;
const MAX_BODY_BYTES = 512 * 1024 * 1024;

/** What the server needs to know about a statement without parsing SQL: kind, FORMAT, inline data, statement count. */
export interface QueryShape {
  /** First keyword, upper case (`SELECT`, `INSERT`, ...); empty when the text has none. */
  kind: string;
  /** The format named by a `FORMAT` clause, if any. */
  format: string | null;
  /** Offset where an INSERT's inline data starts (after `FORMAT name` or `VALUES`), or -1. */
  dataStart: number;
  multiStatement: boolean;
}

/** Scans SQL text for its shape, skipping string literals, quoted identifiers and comments. */
export function shapeOf(sql: string): QueryShape {
  let kind = '';
  let format: string | null = null;
  let dataStart = -1;
  let ended = false;
  let multiStatement = false;
  let previous = '';
  let i = 0;
  while (i < sql.length) {
    const c = sql[i]!;
    if (/\s/.test(c)) { i += 1; continue; }
    if (c === '-' && sql[i + 1] === '-') {
      const end = sql.indexOf('\n', i);
      i = end === -1 ? sql.length : end + 1;
      continue;
    }
    if (c === '/' && sql[i + 1] === '*') {
      const end = sql.indexOf('*/', i + 2);
      i = end === -1 ? sql.length : end + 2;
      continue;
    }
    if (ended) { multiStatement = true; break; }
    if (c === ';') { ended = true; i += 1; continue; }
    if (c === "'" || c === '"' || c === '`') {
      i = skipQuoted(sql, i);
      previous = '';
      continue;
    }
    if (/[A-Za-z_]/.test(c)) {
      const start = i;
      while (i < sql.length && /[A-Za-z0-9_]/.test(sql[i]!)) i += 1;
      const word = sql.slice(start, i);
      const upper = word.toUpperCase();
      if (!kind) kind = upper;
      if (previous === 'FORMAT') {
        format = word;
        if (kind === 'INSERT') { dataStart = i; break; }
      }
      if (kind === 'INSERT' && upper === 'VALUES') { dataStart = i; break; }
      previous = upper;
      continue;
    }
    previous = '';
    i += 1;
  }
  return { kind, format, dataStart, multiStatement };
}

/** Index just past the quoted literal or identifier starting at `start` (backslash escapes and doubled quotes). */
function skipQuoted(sql: string, start: number): number {
  const quote = sql[start];
  let i = start + 1;
  while (i < sql.length) {
    const c = sql[i];
    if (c === '\\') { i += 2; continue; }
    if (c === quote) {
      if (sql[i + 1] === quote) { i += 2; continue; }
      return i + 1;
    }
    i += 1;
  }
  return sql.length;
}

/** A SQL string literal whose content is `text` verbatim. */
function sqlString(text: string): string {
  return `'${text.replaceAll('\\', '\\\\').replaceAll("'", "\\'")}'`;
}

function contentTypeOf(format: string): string {
  if (/^JSON|^NDJSON/i.test(format)) return 'application/json; charset=UTF-8';
  if (/^(TabSeparated|TSV)/i.test(format)) return 'text/tab-separated-values; charset=UTF-8';
  if (/^CSV/i.test(format)) return 'text/csv; charset=UTF-8; header=absent';
  return 'text/plain; charset=UTF-8';
}

/** Turns an engine error into the server exception it stands for ("Code: N. DB::Exception: ... (NAME)"). */
export function exceptionOf(error: unknown): ClickHouseHttpException {
  if (error instanceof ClickHouseHttpException) return error;
  const message = error instanceof Error ? error.message : String(error);
  const code = /Code: (\d+)\./.exec(message);
  const type = /\(([A-Z][A-Z0-9_]{2,})\)\s*$/.exec(message.trim());
  if (!code) return new ClickHouseHttpException(1001, 'STD_EXCEPTION', message);
  const text = message.replace(/^[\s\S]*?DB::Exception: /, '').replace(/\s*\([A-Z][A-Z0-9_]{2,}\)\s*$/, '');
  return new ClickHouseHttpException(Number(code[1]), type?.[1] ?? 'UNKNOWN_EXCEPTION', text);
}

function header(request: IncomingMessage, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

async function readRequestBody(request: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new ClickHouseHttpException(36, 'BAD_ARGUMENTS', `request body over ${MAX_BODY_BYTES} bytes`);
    chunks.push(chunk as Buffer);
  }
  const body = Buffer.concat(chunks);
  const encoding = header(request, 'content-encoding')?.trim().toLowerCase();
  if (!encoding || encoding === 'identity') return body;
  try {
    if (encoding === 'gzip') return await promisify(zlib.gunzip)(body);
    if (encoding === 'deflate') return await promisify(zlib.inflate)(body);
    if (encoding === 'br') return await promisify(zlib.brotliDecompress)(body);
  } catch (error) {
    throw BAD_ARGUMENTS(`cannot decompress the ${encoding} request body: ${(error as Error).message}`);
  }
  throw BAD_ARGUMENTS(`unsupported Content-Encoding "${encoding}": send gzip, deflate, br or an uncompressed body`);
}

/** `multipart/form-data` parts by name (clickhouse-js sends large parameters this way). */
function multipartFields(body: Buffer, contentType: string): Map<string, string> {
  const boundary = /boundary="?([^";]+)"?/i.exec(contentType)?.[1];
  if (!boundary) throw BAD_ARGUMENTS('multipart/form-data without a boundary');
  const fields = new Map<string, string>();
  for (const part of body.toString('utf8').split(`--${boundary}`)) {
    const split = part.indexOf('\r\n\r\n');
    if (split === -1) continue;
    const name = /name="([^"]*)"/i.exec(part.slice(0, split))?.[1];
    if (name === undefined) continue;
    fields.set(name, part.slice(split + 4).replace(/\r\n$/, ''));
  }
  return fields;
}

function basicCredentials(request: IncomingMessage): { user: string; password: string } | null {
  const authorization = header(request, 'authorization');
  const match = authorization ? /^Basic\s+(.+)$/i.exec(authorization) : null;
  if (!match) return null;
  const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon === -1 ? { user: decoded, password: '' } : { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

export interface WarehouseServerOptions {
  /** When set, every query must carry these (Basic auth, X-ClickHouse-User/Key headers or user/password parameters). */
  credentials?: { user: string; password: string } | null;
  log?: Logger;
}

interface ParsedRequest {
  queryId: string;
  sql: string;
  database: string;
  defaultFormat: string;
  settings: Map<string, string>;
  params: Map<string, string>;
  readonly: boolean;
  compressResponse: 'gzip' | 'deflate' | 'br' | null;
}

/**
 * Serves one embedded engine over the ClickHouse HTTP interface. The engine keeps `SET` and `USE`
 * across statements, so requests run one at a time and each states its database and every
 * setting that differs from the default (settings of the previous request are reset first).
 */
export class WarehouseHttpHandler {
  private tail: Promise<unknown> = Promise.resolve();
  private closing = false;
  /** Settings the previous request changed, reset to DEFAULT before the next one. */
  private changed = new Set<string>();
  private readonly log: Logger;

  constructor(private readonly engine: EmbeddedEngine, private readonly options: WarehouseServerOptions = {}) {
    this.log = options.log ?? (() => {});
  }

  readonly handle = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const url = new URL(request.url ?? '/', 'http://localhost');
    const queryId = url.searchParams.get('query_id') || randomUUID();
    const started = performance.now();
    try {
      if (url.pathname === '/ping' || url.pathname === '/replicas_status') return this.ok(response);
      if (url.pathname !== '/') {
        response.writeHead(404, { 'content-type': 'text/plain; charset=UTF-8' }).end(`There is no handle ${url.pathname}\n\nUse / or /ping for health checks.\nSend queries with POST / or GET /?query=...\n`);
        return;
      }
      if (request.method !== 'GET' && request.method !== 'POST') {
        response.writeHead(405, { allow: 'GET, POST', 'content-type': 'text/plain; charset=UTF-8' }).end('use GET or POST\n');
        return;
      }
      if (request.method === 'GET' && !url.searchParams.has('query')) return this.ok(response);
      this.authenticate(request, url);
      const parsed = await this.parse(request, url, queryId);
      if (parsed === null) return this.ok(response);
      const shape = shapeOf(parsed.sql);
      const { bytes, summary, format } = await this.exclusive(() => {
        if (this.closing) throw new ServerClosing();
        return this.execute(parsed, shape);
      });
      const headers: Record<string, string> = {
        'content-type': contentTypeOf(format),
        'x-clickhouse-query-id': queryId,
        'x-clickhouse-format': format,
        'x-clickhouse-timezone': 'UTC',
        'x-clickhouse-server-display-name': 'paved-warehouse',
        'x-clickhouse-summary': JSON.stringify(summary),
      };
      let body: Buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      if (parsed.compressResponse && body.length > 0) {
        body = await compress(body, parsed.compressResponse);
        headers['content-encoding'] = parsed.compressResponse;
      }
      response.writeHead(200, headers).end(body);
      this.log('debug', 'query', { query_id: queryId, kind: shape.kind, ms: Math.round(performance.now() - started), bytes: body.length });
    } catch (error) {
      // Like a server going away: the connection drops, which clients treat as "retry later", never as a bad query.
      if (error instanceof ServerClosing) {
        response.destroy();
        return;
      }
      const exception = exceptionOf(error);
      this.log(exception.code === 516 ? 'warn' : 'info', 'query failed', { query_id: queryId, code: exception.code, type: exception.type });
      if (response.headersSent) {
        response.destroy();
        return;
      }
      response.writeHead(STATUS_BY_TYPE[exception.type] ?? 500, {
        'content-type': 'text/plain; charset=UTF-8',
        'x-clickhouse-query-id': queryId,
        'x-clickhouse-exception-code': String(exception.code),
        'x-clickhouse-server-display-name': 'paved-warehouse',
      }).end(`Code: ${exception.code}. DB::Exception: ${/[.?!]$/.test(exception.message) ? exception.message : `${exception.message}.`} (${exception.type}) (version ${this.engine.version} (clickhouse-standin))\n`);
    }
  };

  /** Refuses queries from now on (their connections are dropped); resolves once the ones in hand have finished. */
  async stop(): Promise<void> {
    this.closing = true;
    await this.idle();
  }

  /** Resolves once every request handed to the engine so far has finished. */
  async idle(): Promise<void> {
    let seen: Promise<unknown> | null = null;
    while (seen !== this.tail) {
      seen = this.tail;
      await seen;
    }
  }

  private ok(response: ServerResponse): void {
    response.writeHead(200, { 'content-type': 'text/plain; charset=UTF-8' }).end('Ok.\n');
  }

  private authenticate(request: IncomingMessage, url: URL): void {
    const expected = this.options.credentials;
    if (!expected) return;
    const basic = basicCredentials(request);
    const user = header(request, 'x-clickhouse-user') ?? basic?.user ?? url.searchParams.get('user') ?? 'default';
    const password = header(request, 'x-clickhouse-key') ?? basic?.password ?? url.searchParams.get('password') ?? '';
    if (user !== expected.user || !safeEqual(password, expected.password)) throw AUTHENTICATION_FAILED(user);
  }

  /** Reads the query text, parameters and settings; null for a plain `GET /` health check. */
  private async parse(request: IncomingMessage, url: URL, queryId: string): Promise<ParsedRequest | null> {
    const search = new Map<string, string>(url.searchParams);
    let head = search.get('query') ?? '';
    let body = '';
    if (request.method === 'POST') {
      const raw = await readRequestBody(request);
      const contentType = header(request, 'content-type') ?? '';
      if (/^multipart\/form-data/i.test(contentType)) {
        for (const [name, value] of multipartFields(raw, contentType)) search.set(name, value);
        head = search.get('query') ?? head;
      } else {
        body = raw.toString('utf8');
      }
    }
    if (request.method === 'GET' && !head) return null;
    // As a server does: the `query` parameter, a newline, then the body.
    const sql = head && body ? `${head}\n${body}` : head || body;
    if (!sql.trim()) throw SYNTAX_ERROR('Empty query');
    if (search.has('decompress') && search.get('decompress') !== '0') throw BAD_ARGUMENTS('the native compressed protocol (decompress=1) is not supported by the ClickHouse stand-in');

    const settings = new Map<string, string>(Object.entries(SERVER_DEFAULTS));
    const params = new Map<string, string>();
    for (const [name, value] of search) {
      if (name.startsWith('param_')) {
        if (!IDENTIFIER.test(name)) throw BAD_ARGUMENTS(`invalid query parameter name "${name}"`);
        params.set(name, value);
      } else if (!PROTOCOL_PARAMETERS.has(name) && !name.startsWith('http_')) {
        if (!IDENTIFIER.test(name)) throw new ClickHouseHttpException(115, 'UNKNOWN_SETTING', `Unknown setting '${name}'`);
        settings.set(name, value);
      }
    }
    const database = search.get('database') || 'default';
    if (!IDENTIFIER.test(database)) throw BAD_ARGUMENTS(`invalid database name "${database}"`);
    const readonly = request.method === 'GET' || Number(search.get('readonly') ?? '0') > 0;
    const accepted = header(request, 'accept-encoding') ?? '';
    const compressResponse = search.get('enable_http_compression') === '1'
      ? (['gzip', 'br', 'deflate'] as const).find((codec) => accepted.includes(codec)) ?? null
      : null;
    return { queryId, sql, database, defaultFormat: search.get('default_format') || 'TabSeparated', settings, params, readonly, compressResponse };
  }

  private async execute(request: ParsedRequest, shape: QueryShape): Promise<{ bytes: Uint8Array; format: string; summary: Record<string, string> }> {
    if (shape.multiStatement) throw SYNTAX_ERROR('Multi-statements are not allowed');
    if (request.readonly && !READ_ONLY_KINDS.has(shape.kind)) {
      throw READONLY('Cannot execute query in readonly mode. For queries over HTTP, method GET implies readonly. You should use method POST for modifying queries');
    }
    const format = shape.format ?? request.defaultFormat;
    // Without a session a sent SET or USE changes nothing after its own request: nothing to run.
    if (shape.kind === 'SET' || shape.kind === 'USE') return { bytes: new Uint8Array(), format, summary: summaryOf(0, 0, 0, 0, 0) };

    const assignments: string[] = [];
    for (const name of this.changed) if (!request.settings.has(name)) assignments.push(`${name} = DEFAULT`);
    for (const [name, value] of request.settings) assignments.push(`${name} = ${sqlString(value)}`);
    // A parameter's value is text the engine parses as the placeholder's type, exactly like `param_x=` on a server.
    for (const [name, value] of request.params) assignments.push(`${name} = ${sqlString(value)}`);
    // Until the SET succeeds we cannot tell which settings took: reset all of them next time.
    this.changed = new Set([...this.changed, ...request.settings.keys()]);
    const sql = `SET ${assignments.join(', ')}; USE \`${request.database}\`; ${request.sql}`;
    const result = await this.engine.run(sql, format);
    this.changed = new Set(request.settings.keys());

    const elapsedNs = Math.round(result.elapsedSeconds * 1e9);
    if (shape.kind === 'INSERT' && shape.dataStart >= 0) {
      const data = request.sql.slice(shape.dataStart);
      const rows = shape.format && LINE_FORMATS.test(shape.format) ? data.split('\n').filter((line) => line.trim().length > 0).length : 0;
      return { bytes: result.bytes, format, summary: summaryOf(rows, Buffer.byteLength(data), 0, 0, elapsedNs, rows, Buffer.byteLength(data)) };
    }
    return { bytes: result.bytes, format, summary: summaryOf(result.rowsRead, result.bytesRead, result.rowsRead, result.bytes.byteLength, elapsedNs) };
  }

  private exclusive<T>(work: () => Promise<T>): Promise<T> {
    const run = this.tail.then(work, work);
    this.tail = run.catch(() => {});
    return run;
  }
}

function summaryOf(readRows: number, readBytes: number, resultRows: number, resultBytes: number, elapsedNs: number, writtenRows = 0, writtenBytes = 0): Record<string, string> {
  return {
    read_rows: String(readRows), read_bytes: String(readBytes), written_rows: String(writtenRows), written_bytes: String(writtenBytes),
    total_rows_to_read: String(readRows), result_rows: String(resultRows), result_bytes: String(resultBytes), elapsed_ns: String(elapsedNs),
  };
}

function compress(body: Buffer, codec: 'gzip' | 'deflate' | 'br'): Promise<Buffer> {
  if (codec === 'gzip') return promisify(zlib.gzip)(body);
  if (codec === 'deflate') return promisify(zlib.deflate)(body);
  return promisify(zlib.brotliCompress)(body);
}

/** Starts the server on host:port over the engine; `close` stops accepting, finishes what is in hand, closes the engine. */
export async function startWarehouseServer(engine: EmbeddedEngine, options: WarehouseServerOptions & { host: string; port: number }): Promise<{ url: string; server: Server; close: () => Promise<void> }> {
  const handler = new WarehouseHttpHandler(engine, options);
  const server = await listen(handler.handle, options.host, options.port);
  // Above the 2.5 s idle TTL the Warehouse client uses, so the client always closes an idle socket first.
  server.keepAliveTimeout = 10_000;
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  const url = `http://${options.host.includes(':') ? `[${options.host}]` : options.host}:${port}`;
  return {
    url,
    server,
    close: async () => {
      const closed = new Promise((resolve) => server.close(resolve));
      server.closeIdleConnections();
      await handler.stop();
      await engine.close();
      server.closeAllConnections();
      await closed;
    },
  };
}

/** Owns the embedded warehouse of PAVED_DATA_DIR and serves it to CLICKHOUSE_URL clients until SIGTERM. */
export async function warehouseServe(options: { port?: number; host?: string }): Promise<void> {
  const log = createLogger('warehouse');
  const { env } = loadConfig();
  const host = options.host ?? '127.0.0.1';
  const port = options.port ?? 8123;
  const engine = await EmbeddedEngine.open({ dataDir: dataDirOf(env), command: `clickhouse-standin --host ${host} --port ${port}` });
  const credentials = env.CLICKHOUSE_USER || env.CLICKHOUSE_PASSWORD ? { user: env.CLICKHOUSE_USER ?? 'default', password: env.CLICKHOUSE_PASSWORD ?? '' } : null;
  let running: Awaited<ReturnType<typeof startWarehouseServer>>;
  try {
    running = await startWarehouseServer(engine, { host, port, credentials, log });
  } catch (error) {
    await engine.close();
    throw error;
  }
  log('info', 'ClickHouse stand-in listening', { url: running.url, dataDir: engine.dataDir, engine: engine.version, auth: credentials !== null });
  onShutdown(log, running.close);
}
