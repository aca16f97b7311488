import 'server-only';
import { describeWarehouseError } from '@paved/warehouse';
import type { z } from 'zod';

/** A 400 naming each bad parameter and how to fix it. */
export function badRequest(error: z.ZodError): Response {
  return Response.json(
    { error: 'bad_request', issues: error.issues.map((issue) => ({ parameter: issue.path.join('.') || '(query)', message: issue.message })) },
    { status: 400 },
  );
}

export function queryObject(request: Request): Record<string, string> {
  const params = new URL(request.url).searchParams;
  const out: Record<string, string> = {};
  for (const [key, value] of params) if (value !== '') out[key] = value;
  return out;
}

/** A 500/503 that says what failed, without internals. */
export function failed(error: unknown): Response {
  const message = describeWarehouseError(error);
  return Response.json({ error: 'failed', message }, { status: /refused|not found|timeout|unavailable/i.test(message) ? 503 : 500 });
}
