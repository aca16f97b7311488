import { mkdtempSync } from 'node:fs';
import { tmpdir, loadavg } from 'node:os';
import { join } from 'node:path';
import { encodeEvent, type BusMessage } from '@paved/ingest/bus/bus';
import { CanonicalEvent, SCHEMA_VERSION } from '@paved/schemas';
import { processMessage } from '@paved/transform/sink/sink';
import { Warehouse } from '@paved/transform/warehouse/client';
import { migrate } from '@paved/transform/warehouse/migrate';
const N = 30000;
const msgs: BusMessage[] = [];
for (let i = 0; i < N; i++) {
  const sha = i.toString(16).padStart(40, '0');
  const e = { id: `github:b-${i}:commit:${sha}`, source: 'github', occurred_at: '2026-01-01T00:00:00.000Z', received_at: '2026-01-01T00:00:00.000Z', schema_version: SCHEMA_VERSION, raw: { delivery_id: `b-${i}`, event: 'push' }, type: 'commit', data: { sha, repo: 'b/r', author: { login: 'dev', name: 'Dev', email: 'd@x', bot: false }, authored_at: '2026-01-01T00:00:00.000Z', committed_at: '2026-01-01T00:00:00.000Z', message: `change ${i}`, parents: [], reverts_sha: null } } as CanonicalEvent;
  const r = encodeEvent(e);
  msgs.push({ topic: 'events', partition: 0, offset: String(i), key: r.key, value: r.value, headers: r.headers });
}
console.log('load', loadavg());
let t = performance.now();
for (const m of msgs) JSON.parse(m.value);
console.log('JSON.parse', (performance.now() - t).toFixed(0), 'ms');
t = performance.now();
for (const m of msgs) CanonicalEvent.safeParse(JSON.parse(m.value));
console.log('parse+zod', (performance.now() - t).toFixed(0), 'ms');
t = performance.now();
const rows: Record<string, unknown>[] = [];
for (const m of msgs) { const o = processMessage(m); if (o.kind === 'ok') for (const r of o.rows.get('commits') ?? []) rows.push(r); }
console.log('processMessage', (performance.now() - t).toFixed(0), 'ms');
t = performance.now();
let bytes = 0;
for (const r of rows) bytes += JSON.stringify(r).length;
console.log('stringify rows', (performance.now() - t).toFixed(0), 'ms', bytes);
const w = await Warehouse.open({ dataDir: mkdtempSync(join(tmpdir(), 'prof-')) });
await migrate(w);
for (const size of [5000, 10000]) {
  t = performance.now();
  for (let s = 0; s < N; s += size) await w.insert('commits', rows.slice(s, s + size));
  console.log(`insert batches of ${size}`, (performance.now() - t).toFixed(0), 'ms');
}
await w.close();
