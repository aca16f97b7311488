import { normaliseContextOf } from '@paved/runtime';
import { replayDeadLetters } from '@paved/pipeline';
import { failed } from '@/lib/api';
import { forbidden, requireAdmin } from '@/lib/auth';
import { isForm } from '@/lib/forms';
import { runtime } from '@/lib/runtime';

export const dynamic = 'force-dynamic';

type Bus = Parameters<typeof replayDeadLetters>[1];

/** The bus of the running Paved (`paved start` shares it; the separate dashboard service has none). */
function runtimeBus(): Bus | null {
  return runtime().bus ?? null;
}

/**
 * POST /api/admin/dlq/replay (admin): re-drives dead letters onto the bus of the running Paved,
 * then recomputes the metrics. Needs the runtime to share its bus; until it does, the answer is
 * 501 with the command that works (`paved dlq replay`).
 */
export async function POST(request: Request) {
  try {
    await requireAdmin(request);
  } catch (error) {
    return forbidden(error) ?? failed(error);
  }
  const form = isForm(request);
  const bus = runtimeBus();
  if (!bus) {
    const message = 'The dashboard service has no event bus: run `paved dlq replay` (with KAFKA_BROKERS set) next to the sink.';
    if (form) return new Response(null, { status: 303, headers: { location: `/health?error=${encodeURIComponent(message)}#dead-letters` } });
    return Response.json({ error: 'not_implemented', message }, { status: 501 });
  }
  try {
    const { warehouse, config, runTransform } = runtime();
    const report = await replayDeadLetters(warehouse, bus, { limit: 10_000, context: normaliseContextOf(config) });
    await runTransform();
    if (form) return new Response(null, { status: 303, headers: { location: `/health?replayed=${report.replayed}&skipped=${report.skipped + report.stillFailing}#dead-letters` } });
    return Response.json(report);
  } catch (error) {
    return failed(error);
  }
}
