import { RoadmapQuery, type RoadmapResult } from '@paved/schemas';
import { frictionRoadmap, initiativeEffects, surveySource } from '@paved/insights';
import { badRequest, failed, queryObject } from '@/lib/api';
import { runtime } from '@/lib/runtime';

export const dynamic = 'force-dynamic';

/** GET /api/v1/roadmap?from=YYYY-MM-DD&to=YYYY-MM-DD[&campaign=ID]: ranked friction points with evidence, and initiative effects. */
export async function GET(request: Request) {
  const parsed = RoadmapQuery.safeParse(queryObject(request));
  if (!parsed.success) return badRequest(parsed.error);
  const { from, to, campaign } = parsed.data;
  try {
    const { warehouse, config } = runtime();
    const [roadmap, initiatives] = await Promise.all([
      frictionRoadmap(warehouse, config, { from, to, campaignId: campaign }, surveySource(warehouse, config)),
      initiativeEffects(warehouse, config, { from, to }),
    ]);
    const body: RoadmapResult = { ...roadmap, initiatives };
    return Response.json(body);
  } catch (error) {
    return failed(error);
  }
}
