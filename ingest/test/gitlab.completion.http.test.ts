import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Bus, BusRecord } from '../src/bus/bus.js';
import { InProcessBus } from '../src/bus/in-process.js';
import { defaultNormaliseContext } from '../src/delivery.js';
import { GITLAB_ASSUMED } from '../src/gitlab/normalise.js';
import { WebhookReceiver } from '../src/http/webhooks.js';

/*
 * The receiver completes GitLab's documented push example (4 commits, 2 listed) through a GitLab
 * stand-in on loopback answering the compare API, after it acknowledged the webhook.
 */

const TOKEN = 'gitlab-secret-token';
const API_TOKEN = 'glpat-stand-in';

class RecordingBus extends InProcessBus {
  readonly records: BusRecord[] = [];
  override async publish(records: BusRecord[]): Promise<void> {
    this.records.push(...records);
  }
}

let gitlab: Server;
let paved: Server;
let base: string;
let bus: RecordingBus;
let receiver: WebhookReceiver;
const asked: { url: string; token: string | undefined }[] = [];

// The push example: before 95790bf…, after da15608…, listing b6568db… and da15608… of 4 commits.
const COMPARE = {
  commits: [
    { id: '1111111111111111111111111111111111111111', title: 'first of four', author_name: 'Jordi Mallach', author_email: 'jordi@softcatala.org', created_at: '2011-12-10T09:00:00+02:00' },
    { id: '2222222222222222222222222222222222222222', title: 'second of four', author_name: 'Jordi Mallach', author_email: 'jordi@softcatala.org', created_at: '2011-12-11T09:00:00+02:00' },
    { id: 'b6568db1bc1dcd7f8b4d5a946b0b91f9dacd7327', title: 'Update Catalan translation to e38cb41.', author_name: 'Jordi Mallach', author_email: 'jordi@softcatala.org', created_at: '2011-12-12T14:27:31+02:00' },
    { id: 'da1560886d4f094c3e6c9ef40349f7d38b5d27d7', title: 'fixed readme', author_name: 'GitLab dev user', author_email: 'gitlabdev@dv6700.(none)', created_at: '2012-01-03T23:36:29+02:00' },
  ],
  compare_timeout: false,
  compare_same_ref: false,
};

beforeAll(async () => {
  gitlab = createServer((request: IncomingMessage, response) => {
    asked.push({ url: request.url ?? '', token: request.headers['private-token'] as string | undefined });
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end(JSON.stringify(COMPARE));
  });
  await new Promise<void>((resolve) => gitlab.listen(0, '127.0.0.1', resolve));
  const apiUrl = `http://127.0.0.1:${(gitlab.address() as AddressInfo).port}/api/v4`;

  bus = new RecordingBus();
  receiver = new WebhookReceiver({ bus: bus as Bus, secrets: { GITLAB_WEBHOOK_TOKEN: TOKEN, GITLAB_TOKEN: API_TOKEN }, context: { ...defaultNormaliseContext, gitlabApiUrl: apiUrl } });
  paved = createServer((req, res) => void receiver.handle(req, res));
  await new Promise<void>((resolve) => paved.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(paved.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((resolve) => paved.close(resolve));
  await new Promise((resolve) => gitlab.close(resolve));
});

describe('a push of more than its listed commits, with GITLAB_TOKEN', () => {
  it('is acknowledged as received, then completed with every commit through the compare API', async () => {
    const body = readFileSync(join(import.meta.dirname, 'fixtures', 'gitlab', '01-push-hook.json'), 'utf8');
    const response = await fetch(`${base}/webhooks/gitlab`, {
      method: 'POST', body,
      headers: { 'content-type': 'application/json', 'x-gitlab-event': 'Push Hook', 'x-gitlab-token': TOKEN, 'idempotency-key': 'push-1' },
    });
    expect(response.status).toBe(202);
    expect(await response.json()).toMatchObject({ outcome: 'ok', events: 3, assumed: [GITLAB_ASSUMED.pushTruncated] });

    await receiver.gitlabPushes!.settled();
    expect(asked).toEqual([{ url: '/api/v4/projects/mike%2Fdiaspora/repository/compare?from=95790bf891e76fee5e1747ab589903a6a1f80f22&to=da1560886d4f094c3e6c9ef40349f7d38b5d27d7', token: API_TOKEN }]);
    const raws = bus.records.filter((record) => record.topic === 'raw').map((record) => JSON.parse(record.value) as { delivery_id: string; reason: string });
    expect(raws.map((raw) => raw.delivery_id)).toEqual(['gitlab-idempotency:push-1', 'gitlab-idempotency:push-1:compare']);
    expect(raws[1]!.reason).toBe(GITLAB_ASSUMED.pushCompleted);
    const pushes = bus.records.filter((record) => record.topic === 'events').map((record) => JSON.parse(record.value) as { type: string; raw: { delivery_id: string }; data: { commits?: string[] } })
      .filter((event) => event.type === 'push');
    expect(pushes.map((push) => push.data.commits?.length)).toEqual([2, 4]);
    expect(pushes[1]!.data.commits).toEqual(COMPARE.commits.map((commit) => commit.id));
  });

  it('without GITLAB_TOKEN nothing is completed (the push stays flagged on Data health)', () => {
    const without = new WebhookReceiver({ bus: bus as Bus, secrets: { GITLAB_WEBHOOK_TOKEN: TOKEN }, context: defaultNormaliseContext });
    expect(without.gitlabPushes).toBeNull();
  });
});
