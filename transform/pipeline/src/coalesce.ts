import type { BusMessage } from '@paved/ingest';

type Handle = (messages: BusMessage[], heartbeat: () => Promise<void>) => Promise<void>;

interface Waiting {
  messages: BusMessage[];
  heartbeat: () => Promise<void>;
  resolve: () => void;
  reject: (error: unknown) => void;
}

/**
 * Merges batches handed over at the same time (Kafka delivers one per partition, concurrently)
 * into one call, so the warehouse gets a few large inserts instead of one small insert per
 * partition: fewer parts for ClickHouse to merge. Each caller's promise settles with the merged
 * call, so a batch is still committed only after its rows are in (or dead-lettered), and a failure
 * leaves every merged batch uncommitted for redelivery. Calls run one at a time.
 */
export class BatchCoalescer {
  private waiting: Waiting[] = [];
  private waitingMessages = 0;
  private scheduled = false;
  private running: Promise<void> = Promise.resolve();

  constructor(private readonly handle: Handle, private readonly maxMessages: number) {}

  submit(messages: BusMessage[], heartbeat: () => Promise<void>): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.waiting.push({ messages, heartbeat, resolve, reject });
      this.waitingMessages += messages.length;
      if (this.waitingMessages >= this.maxMessages) this.flush();
      else if (!this.scheduled) {
        this.scheduled = true;
        // Batches of one fetch arrive within the same turn of the event loop: wait one turn for them.
        setImmediate(() => this.flush());
      }
    });
  }

  private flush(): void {
    this.scheduled = false;
    const group = this.waiting;
    if (group.length === 0) return;
    this.waiting = [];
    this.waitingMessages = 0;
    this.running = this.running.then(async () => {
      try {
        await this.handle(group.flatMap((w) => w.messages), async () => { await Promise.all(group.map((w) => w.heartbeat())); });
        for (const w of group) w.resolve();
      } catch (error) {
        for (const w of group) w.reject(error);
      }
    });
  }
}
