import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { logLevel } from 'kafkajs';
import { KafkaBus } from './src/bus/kafka.js';
const pid = Number(readFileSync('/tmp/kafka-restart/kafka.pid', 'utf8'));
const bus = new KafkaBus({ brokers: ['127.0.0.1:19092'], topicPrefix: 'hung', partitions: 2, logLevel: logLevel.NOTHING });
const pub = async (v: string) => { const t = Date.now(); try { await bus.publish([{ topic: 'events', key: v, value: v, headers: {} }]); console.log('publish', v, 'ok', Date.now() - t, 'ms'); } catch (e) { console.log('publish', v, 'FAILED', Date.now() - t, 'ms', (e as Error).message.slice(0, 160)); } };
await pub('before');
process.kill(pid, 'SIGSTOP');
await Promise.all([pub('hung-1'), pub('hung-2')]);
let t = Date.now(); console.log('health', JSON.stringify(await bus.health()), Date.now() - t, 'ms');
process.kill(pid, 'SIGCONT');
for (let i = 0; i < 5; i++) { await pub(`after-${i}`); await sleep(300); }
await bus.close();
