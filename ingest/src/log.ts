import { Writable } from 'node:stream';
import { SECRET_ENV } from '@paved/schemas';
import { pino, type DestinationStream, type Level } from 'pino';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type LogFields = Record<string, unknown>;
export type Logger = (level: LogLevel, msg: string, fields?: LogFields) => void;

/** Names that say a variable holds a secret: a source plugin's own (SHIPIT_WEBHOOK_TOKEN) is redacted without being listed. */
const SECRET_NAME = /(?:SECRET|TOKEN|PASSWORD|PRIVATE_KEY|API_KEY)$/;

/** Values of secret environment variables, so that no log line can ever carry one. */
function secretValues(env: NodeJS.ProcessEnv): string[] {
  const names = new Set<string>([...SECRET_ENV, ...Object.keys(env).filter((name) => SECRET_NAME.test(name))]);
  return [...names].map((name) => env[name]).filter((value): value is string => typeof value === 'string' && value.length >= 4);
}

export function redact(text: string, secrets: string[]): string {
  let out = text;
  for (const secret of secrets) out = out.split(secret).join('[redacted]');
  return out.replace(/(token|secret|password|authorization)=([^&\s"]+)/gi, '$1=[redacted]');
}

/** Errors log as their message (a stack only at debug, through the caller), never as `{}`. */
function plain(fields: LogFields): LogFields {
  const out: LogFields = {};
  for (const [key, value] of Object.entries(fields)) out[key] = value instanceof Error ? value.message : value;
  return out;
}

const LEVELS: readonly LogLevel[] = ['debug', 'info', 'warn', 'error'];

function isLevel(value: unknown): value is LogLevel {
  return typeof value === 'string' && (LEVELS as readonly string[]).includes(value);
}

/** Captures each line with its level, for callers (tests, the dashboard's log hook) that want the lines themselves. */
function lineSink(write: (line: string, level: LogLevel) => void): DestinationStream {
  return new Writable({
    write(chunk: Buffer | string, _encoding, done) {
      const line = chunk.toString().replace(/\n$/, '');
      const level = (JSON.parse(line) as { level?: unknown }).level;
      write(line, isLevel(level) ? level : 'info');
      done();
    },
  });
}

/**
 * The one logger: pino, one JSON object per line (`time`, `level` as a word, `component`, `msg`,
 * fields), info and debug on stdout, warnings and errors on stderr, and the value of every secret
 * environment variable replaced by `[redacted]` in the finished line.
 */
export function createLogger(component: string, options: { level?: LogLevel; env?: NodeJS.ProcessEnv; write?: (line: string, level: LogLevel) => void } = {}): Logger {
  const fromEnv = process.env.LOG_LEVEL;
  const level: LogLevel = options.level ?? (isLevel(fromEnv) ? fromEnv : 'info');
  const secrets = secretValues(options.env ?? process.env);
  const destination = options.write
    ? lineSink(options.write)
    : pino.multistream([{ level: 'debug' as Level, stream: process.stdout }, { level: 'warn' as Level, stream: process.stderr }], { dedupe: true });
  const logger = pino({
    level,
    base: { component },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
    hooks: { streamWrite: (line) => redact(line, secrets) },
  }, destination);
  return (entryLevel, msg, fields = {}) => {
    logger[entryLevel](plain(fields), msg);
  };
}

/** The level a component's structured entry asks for (`level: 'warn'`...), `info` when it names none. */
export function levelOf(entry: Record<string, unknown>): LogLevel {
  return isLevel(entry.level) ? entry.level : 'info';
}
