import type { Server } from 'node:http';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Bus, BusRecord } from '../src/bus/bus.js';
import { InProcessBus } from '../src/bus/in-process.js';
import { defaultNormaliseContext } from '../src/delivery.js';
import { WebhookReceiver, type WebhookReceiverOptions } from '../src/http/webhooks.js';

/*
 * The webhook receiver on a loopback server with a bus that records what it was handed: the
 * harness the per-source webhook tests share (GitLab's examples, Jira, source plugins).
 */

/** Records what reaches the bus instead of journaling it. */
export class RecordingBus extends InProcessBus {
  readonly records: BusRecord[] = [];
  override async publish(records: BusRecord[]): Promise<void> {
    this.records.push(...records);
  }
}

export interface ReceiverHarness {
  bus: RecordingBus;
  receiver: WebhookReceiver;
  /** `http://127.0.0.1:<port>` */
  base: string;
  /** POSTs a body to a path (headers left undefined are not sent); the status and the JSON answer. */
  post(path: string, body: string, headers?: Record<string, string | undefined>): Promise<{ status: number; body: Record<string, unknown> }>;
  close(): Promise<void>;
}

/** A receiver with the given secrets (and options) on 127.0.0.1; `bus` shares another harness's recording bus. */
export async function startReceiver(options: Partial<Omit<WebhookReceiverOptions, 'bus'>> & Pick<WebhookReceiverOptions, 'secrets'> & { bus?: RecordingBus }): Promise<ReceiverHarness> {
  const bus = options.bus ?? new RecordingBus();
  const receiver = new WebhookReceiver({ context: defaultNormaliseContext, ...options, bus: bus as Bus });
  const server: Server = createServer((req, res) => void receiver.handle(req, res).then((handled) => { if (!handled) res.writeHead(404).end(); }));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    bus, receiver, base,
    async post(path, body, headers = {}) {
      const sent = Object.fromEntries(Object.entries(headers).filter((entry): entry is [string, string] => entry[1] !== undefined));
      const response = await fetch(`${base}${path}`, { method: 'POST', headers: sent, body });
      return { status: response.status, body: (await response.json()) as Record<string, unknown> };
    },
    close: () => new Promise<void>((resolve) => { server.close(() => resolve()); server.closeAllConnections(); }),
  };
}
