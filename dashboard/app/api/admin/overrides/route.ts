import { FailureLinkOverrideInput, listFailureLinkOverrides, setFailureLinkOverride } from '@paved/transform';
import { badRequest, failed, queryObject } from '@/lib/api';
import { forbidden, requireAdmin } from '@/lib/auth';
import { back, isForm, safeReturn, withParam } from '@/lib/forms';
import { runtime } from '@/lib/runtime';

export const dynamic = 'force-dynamic';

/**
 * POST /api/admin/overrides (admin): a person's verdict on a failure link, then the transform
 * runs so the metrics reflect it. Takes JSON { deploymentId, incidentId, verdict, note } or a
 * form with the same fields plus returnTo (then answers 303 back to it).
 */
export async function POST(request: Request) {
  const form = isForm(request);
  let body: Record<string, unknown>;
  try {
    body = form ? Object.fromEntries((await request.formData()).entries()) : ((await request.json()) as Record<string, unknown>);
  } catch {
    return Response.json({ error: 'bad_request', issues: [{ parameter: '(body)', message: 'send JSON or a form with deploymentId, incidentId, verdict and note' }] }, { status: 400 });
  }
  const returnTo = form ? safeReturn(body.returnTo) : null;
  if (typeof body.note === 'string' && body.note.trim() === '') delete body.note;
  const parsed = FailureLinkOverrideInput.safeParse(body);
  if (!parsed.success) {
    if (returnTo) return back(withParam(returnTo, 'error', parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')));
    return badRequest(parsed.error);
  }
  let setBy: string;
  try {
    setBy = await requireAdmin(request);
  } catch (error) {
    if (returnTo && forbidden(error)) return back(withParam(returnTo, 'error', (error as Error).message));
    return forbidden(error) ?? failed(error);
  }
  try {
    const { warehouse, runTransform } = runtime();
    await setFailureLinkOverride(warehouse, parsed.data, setBy);
    const transform = await runTransform();
    process.stdout.write(`${JSON.stringify({ level: 'info', time: new Date().toISOString(), msg: 'failure link override set', deploymentId: parsed.data.deploymentId, incidentId: parsed.data.incidentId, verdict: parsed.data.verdict, setBy })}\n`);
    if (returnTo) return back(withParam(returnTo, 'saved', parsed.data.verdict));
    return Response.json({ ok: true, override: { ...parsed.data, setBy }, transform }, { status: 201 });
  } catch (error) {
    if (returnTo) return back(withParam(returnTo, 'error', 'the warehouse did not accept it; see Data health'));
    return failed(error);
  }
}

/** GET /api/admin/overrides[?deployment=id]: the overrides people set, newest first. */
export async function GET(request: Request) {
  try {
    await requireAdmin(request);
    const deployment = queryObject(request).deployment;
    return Response.json(await listFailureLinkOverrides(runtime().warehouse, deployment));
  } catch (error) {
    return forbidden(error) ?? failed(error);
  }
}
