// Vitest global setup: makes sure a real Kafka broker (scripts/kafka.sh) is running for the
// integration tests. A broker that was already running is left alone; one started here is
// stopped at the end (set PAVED_KAFKA_KEEP=1 to keep it for the next run).
// With KAFKA_BROKERS set, the tests use that cluster and nothing is started.
import { execFileSync, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const script = 'scripts/kafka.sh';

export default function setup(): (() => void) | undefined {
  if (process.env.KAFKA_BROKERS) return undefined;
  const status = spawnSync('bash', [script, 'status'], { cwd: root, stdio: 'ignore' });
  if (status.status === 0) return undefined;
  execFileSync('bash', [script, 'start'], { cwd: root, stdio: 'inherit' });
  if (process.env.PAVED_KAFKA_KEEP === '1') return undefined;
  return () => {
    execFileSync('bash', [script, 'stop'], { cwd: root, stdio: 'inherit' });
  };
}
