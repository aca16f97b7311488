import { Kafka, logLevel, type Consumer } from 'kafkajs';

export interface Leadership {
  /** True while this process holds the lock partition. */
  isLeader(): boolean;
  stop(): Promise<void>;
}

/**
 * Leader election through a Kafka consumer group: every replica joins group `<prefix>.<job>-lock`
 * on a one-partition topic; the group coordinator assigns that partition to exactly one member,
 * and only that member runs the job. A replica that dies loses the partition after the session
 * timeout and another takes over.
 */
export async function electLeader(options: { brokers: string[]; topicPrefix: string; job: string; onChange?: (leader: boolean) => void }): Promise<Leadership> {
  const topic = `${options.topicPrefix}.${options.job}-lock`;
  const kafka = new Kafka({ clientId: `paved-${options.job}`, brokers: options.brokers, logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  try {
    await admin.createTopics({ topics: [{ topic, numPartitions: 1, replicationFactor: -1 }], waitForLeaders: true });
  } catch (error) {
    if ((error as { type?: string }).type !== 'TOPIC_ALREADY_EXISTS') throw error;
  } finally {
    await admin.disconnect();
  }
  let leader = false;
  const consumer: Consumer = kafka.consumer({ groupId: `${options.topicPrefix}.${options.job}-lock`, sessionTimeout: 10_000, heartbeatInterval: 3_000 });
  const set = (value: boolean) => {
    if (value === leader) return;
    leader = value;
    options.onChange?.(value);
  };
  consumer.on(consumer.events.GROUP_JOIN, (event) => {
    const assigned = event.payload.memberAssignment[topic] ?? [];
    set(assigned.includes(0));
  });
  consumer.on(consumer.events.CRASH, () => set(false));
  consumer.on(consumer.events.DISCONNECT, () => set(false));
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: false });
  await consumer.run({ eachMessage: async () => {} });
  return {
    isLeader: () => leader,
    stop: async () => {
      set(false);
      await consumer.disconnect();
    },
  };
}
