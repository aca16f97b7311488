import { SECRET_ENV } from '@paved/schemas';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type LogFields = Record<string, unknown>;
export type Logger = (level: LogLevel, msg: string, fields?: LogFields) => void;

const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

/** Values of secret environment variables, so that no log line can ever carry one. */
function secretValues(env: NodeJS.ProcessEnv): string[] {
  return SECRET_ENV.map((name) => env[name]).filter((value): value is string => typeof value === 'string' && value.length >= 4);
}

export function redact(text: string, secrets: string[]): string {
  let out = text;
  for (const secret of secrets) out = out.split(secret).join('[redacted]');
  return out.replace(/(token|secret|password|authorization)=([^&\s"]+)/gi, '$1=[redacted]');
}

/** One JSON line per event on stdout (stderr for warnings and errors), secrets redacted. */
export function createLogger(component: string, options: { level?: LogLevel; env?: NodeJS.ProcessEnv; write?: (line: string, level: LogLevel) => void } = {}): Logger {
  const threshold = ORDER[options.level ?? ((process.env.LOG_LEVEL as LogLevel | undefined) ?? 'info')] ?? ORDER.info;
  const secrets = secretValues(options.env ?? process.env);
  const write = options.write ?? ((line, level) => (level === 'warn' || level === 'error' ? process.stderr : process.stdout).write(`${line}\n`));
  return (level, msg, fields = {}) => {
    if (ORDER[level] < threshold) return;
    const line = JSON.stringify({ time: new Date().toISOString(), level, component, msg, ...fields }, (_key, value) => (value instanceof Error ? value.message : value));
    write(redact(line, secrets), level);
  };
}

/** The level a component's structured entry asks for (`level: 'warn'`...), `info` when it names none. */
export function levelOf(entry: Record<string, unknown>): LogLevel {
  const level = entry.level;
  return level === 'debug' || level === 'info' || level === 'warn' || level === 'error' ? level : 'info';
}
