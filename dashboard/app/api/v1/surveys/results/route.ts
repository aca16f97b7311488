import { failure, getResults } from '@paved/surveys';
import { surveyContext } from '@/lib/surveys';

export const dynamic = 'force-dynamic';

/** GET /api/v1/surveys/results?campaign=ID[&by=team|tenure|role][&format=json|csv]: groups under surveys.minGroupSize are never included. */
export async function GET(request: Request) {
  try {
    return await getResults(request, surveyContext(request));
  } catch (error) {
    return failure(error);
  }
}
