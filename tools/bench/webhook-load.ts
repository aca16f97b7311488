// Worker thread of tools/bench/stream.ts: sends signed GitHub push webhooks at a fixed rate on
// keep-alive sockets, in its own event loop so the sink under test does not slow the sender down.
import { createHmac } from 'node:crypto';
import { Agent, request } from 'node:http';
import { parentPort, workerData } from 'node:worker_threads';

export interface LoadSettings {
  url: string;
  secret: string;
  repo: string;
  /** Deliveries per second and for how long. */
  rate: number;
  /** Commits in each push: delivery `seq` carries commits seq*commitsPerPush ... +commitsPerPush-1. */
  commitsPerPush: number;
  seconds: number;
  /** Requests in flight at most; a tick that would exceed it skips its sends (answered with status 0, never queued unbounded). */
  maxInFlight: number;
  /** The first delivery's sequence number. */
  firstSeq: number;
}

/** One delivery's outcome: sequence number, when sent and answered (epoch ms, sub-ms precision), HTTP status (0 = skipped, -1 = transport error). */
export interface Answer { seq: number; sentAt: number; answeredAt: number; status: number }
export type LoadMessage = { kind: 'answers'; answers: Answer[] } | { kind: 'done'; sent: number; skippedTicks: number; errors: number };

/** A commit's sha: its number in hex, so shas sort in commit order. */
export const shaOf = (commit: number): string => commit.toString(16).padStart(40, '0');
const now = () => performance.timeOrigin + performance.now();

function body(repo: string, seq: number, commitsPerPush: number): string {
  const shas = Array.from({ length: commitsPerPush }, (_, k) => shaOf(seq * commitsPerPush + k));
  return JSON.stringify({
    ref: 'refs/heads/main', before: '0'.repeat(40), after: shas.at(-1), repository: { full_name: repo, name: repo.split('/')[1] },
    commits: shas.map((id, k) => ({ id, message: `change ${seq}.${k}`, timestamp: new Date().toISOString(), author: { name: 'Dev', email: 'dev@example.com', username: 'dev' } })),
    pusher: { name: 'dev' }, sender: { login: 'dev', type: 'User' },
  });
}

async function run(settings: LoadSettings): Promise<void> {
  const agent = new Agent({ keepAlive: true, maxSockets: 64 });
  const target = new URL('/webhooks/github', settings.url);
  let answers: Answer[] = [];
  let inFlight = 0;
  let sent = 0;
  let skipped = 0;
  let errors = 0;
  const flush = () => {
    if (answers.length) parentPort!.postMessage({ kind: 'answers', answers } satisfies LoadMessage);
    answers = [];
  };
  const flusher = setInterval(flush, 50);

  const send = (seq: number) => {
    const payload = body(settings.repo, seq, settings.commitsPerPush);
    const sentAt = now();
    inFlight += 1;
    const req = request(target, {
      method: 'POST', agent,
      headers: {
        'content-type': 'application/json', 'content-length': Buffer.byteLength(payload), 'x-github-event': 'push', 'x-github-delivery': `bench-${seq}`,
        'x-hub-signature-256': `sha256=${createHmac('sha256', settings.secret).update(payload).digest('hex')}`,
      },
    }, (res) => {
      const answeredAt = now();
      res.resume();
      res.on('end', () => { inFlight -= 1; answers.push({ seq, sentAt, answeredAt, status: res.statusCode ?? 0 }); });
    });
    req.on('error', () => { inFlight -= 1; errors += 1; answers.push({ seq, sentAt, answeredAt: now(), status: -1 }); });
    req.end(payload);
  };

  // Open loop: every 10 ms send what the schedule says is due, so a slow server shows as latency, not as a lower rate.
  const total = settings.rate * settings.seconds;
  const started = now();
  let next = 0;
  while (next < total) {
    const due = Math.min(total, Math.floor(((now() - started) / 1000) * settings.rate));
    while (next < due) {
      if (inFlight >= settings.maxInFlight) {
        // Status 0: never sent, so the receiving side knows not to wait for it.
        for (; next < due; next += 1) answers.push({ seq: settings.firstSeq + next, sentAt: now(), answeredAt: now(), status: 0 });
        skipped += 1;
        break;
      }
      send(settings.firstSeq + next);
      next += 1;
      sent += 1;
    }
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  const deadline = now() + 30_000;
  while (inFlight > 0 && now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
  clearInterval(flusher);
  flush();
  agent.destroy();
  parentPort!.postMessage({ kind: 'done', sent, skippedTicks: skipped, errors } satisfies LoadMessage);
}

if (parentPort && workerData) void run(workerData as LoadSettings);
