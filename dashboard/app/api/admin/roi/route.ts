import { loadAssumptions, RoiAssumptionsInput, readRoiOverrides, setRoiAssumptions } from '@paved/transform';
import { badRequest, failed } from '@/lib/api';
import { forbidden, requireAdmin } from '@/lib/auth';
import { back, isForm, safeReturn, withParam } from '@/lib/forms';
import { runtime } from '@/lib/runtime';

export const dynamic = 'force-dynamic';

/**
 * The page's form: numeric fields as text, `developers.<team>` per team, empty fields left alone,
 * `clear` checkboxes naming the overrides to remove.
 */
function fromForm(form: FormData): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  const teamDevelopers: Record<string, unknown> = {};
  const clear: string[] = [];
  for (const [key, raw] of form.entries()) {
    if (typeof raw !== 'string' || key === 'returnTo') continue;
    const value = raw.trim();
    if (key === 'clear') { clear.push(value); continue; }
    if (value === '') continue;
    if (key.startsWith('developers.')) teamDevelopers[key.slice('developers.'.length)] = Number(value);
    else body[key] = key === 'currency' ? value.toUpperCase() : Number(value);
  }
  if (Object.keys(teamDevelopers).length) body.teamDevelopers = teamDevelopers;
  if (clear.length) body.clear = clear;
  return body;
}

/**
 * POST /api/admin/roi (admin): overrides of the ROI assumptions and per-team developer counts;
 * they win over paved.config.yaml in every ROI figure and in the roadmap's weighting. JSON
 * `{ costPerEngineeringHour?, currency?, workingWeeksPerYear?, peopleInvolvedPerFailure?, teamDevelopers?, clear? }`
 * or the /roi page's form (answers 303 back to returnTo).
 */
export async function POST(request: Request) {
  let body: Record<string, unknown>;
  let returnTo: string | null = null;
  try {
    if (isForm(request)) {
      const form = await request.formData();
      returnTo = safeReturn(form.get('returnTo'));
      body = fromForm(form);
    } else {
      body = (await request.json()) as Record<string, unknown>;
    }
  } catch {
    return Response.json({ error: 'bad_request', issues: [{ parameter: '(body)', message: 'send JSON or the /roi form' }] }, { status: 400 });
  }
  const parsed = RoiAssumptionsInput.safeParse(body);
  if (!parsed.success) {
    if (returnTo) return back(withParam(returnTo, 'error', parsed.error.issues.map((i) => `${i.path.join('.') || 'input'}: ${i.message}`).join('; ')));
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
    const { warehouse, config } = runtime();
    const changed = await setRoiAssumptions(warehouse, parsed.data, setBy);
    process.stdout.write(`${JSON.stringify({ level: 'info', time: new Date().toISOString(), msg: 'roi assumptions set', keys: changed, setBy })}\n`);
    if (returnTo) return back(withParam(returnTo, 'saved', String(changed)));
    return Response.json({ ok: true, changed, assumptions: await loadAssumptions(warehouse, config) }, { status: 201 });
  } catch (error) {
    if (returnTo) return back(withParam(returnTo, 'error', 'the warehouse did not accept it; see Data health'));
    return failed(error);
  }
}

/** GET /api/admin/roi (admin): the current overrides and the effective assumptions. */
export async function GET(request: Request) {
  try {
    await requireAdmin(request);
    const { warehouse, config } = runtime();
    return Response.json({ overrides: await readRoiOverrides(warehouse), effective: await loadAssumptions(warehouse, config) });
  } catch (error) {
    return forbidden(error) ?? failed(error);
  }
}
