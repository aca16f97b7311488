import { doraMetrics } from '@paved/transform/metrics/dora';
import { runtime } from '@/lib/runtime';

export const dynamic = 'force-dynamic';

export default async function Overview() {
  const { warehouse } = runtime();
  const result = await doraMetrics(warehouse, { from: '2026-01-01', to: '2026-11-01' });
  return <pre>{JSON.stringify(result, null, 2)}</pre>;
}
