import { replayDeadLetters } from '@paved/transform/dlq';
import { failed } from '@/lib/api';
import { forbidden, requireAdmin } from '@/lib/auth';
import { runtime } from '@/lib/runtime';

export const dynamic = 'force-dynamic';

type Bus = Parameters<typeof replayDeadLetters>[1];

/** The bus of the running Paved, when it shares one with the dashboard (PavedRuntime has no `bus` yet). */
function runtimeBus(): Bus | null {
  return (runtime() as { bus?: Bus }).bus ?? null;
}

function isForm(request: Request): boolean {
  const type = request.headers.get('content-type') ?? '';
  return type.startsWith('application/x-www-form-urlencoded') || type.startsWith('multipart/form-data');
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
    const message = 'This Paved does not share its bus with the dashboard yet: stop it and run `paved dlq replay`, or run with Kafka (KAFKA_BROKERS) and run `paved dlq replay` alongside.';
    if (form) return new Response(null, { status: 303, headers: { location: `/health?error=${encodeURIComponent(message)}#dead-letters` } });
    return Response.json({ error: 'not_implemented', message }, { status: 501 });
  }
  try {
    const { warehouse, config, runTransform } = runtime();
    const pattern = config.sources.github?.deploymentWorkflowPattern;
    const report = await replayDeadLetters(warehouse, bus, {
      limit: 10_000,
      context: {
        incidentLabel: config.sources.github?.incidentLabel ?? 'incident',
        defaultEnvironment: config.metrics.defaultEnvironment,
        ...(pattern ? { deploymentWorkflowPattern: new RegExp(pattern, 'i') } : {}),
      },
    });
    await runTransform();
    if (form) return new Response(null, { status: 303, headers: { location: `/health?replayed=${report.replayed}&skipped=${report.skipped + report.stillFailing}#dead-letters` } });
    return Response.json(report);
  } catch (error) {
    return failed(error);
  }
}
