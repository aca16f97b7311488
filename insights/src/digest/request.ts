import { z } from 'zod';
import { CHANNELS } from './channels.js';
// Types only: the dashboard's route handler imports this module without the scheduler's dependencies.
import type { DeliveryFilter, DigestScheduler } from './scheduler.js';
import { IsoWeekId, lastCompleteWeek, type IsoWeek } from './week.js';

/** A digest run as `paved digest` asks for it, locally or through the running server's admin route. */
export const DigestRequest = z.object({
  /** ISO week; default the last complete one. */
  week: IsoWeekId.optional(),
  /** Only this team's digest. */
  team: z.string().min(1).optional(),
  /** Only the organisation's digest. */
  org: z.boolean().optional(),
  channel: z.enum(CHANNELS).optional(),
  /** Render and print, send and record nothing. */
  dryRun: z.boolean().optional(),
  /** Send again even when sent, given up or uncertain. */
  force: z.boolean().optional(),
}).strict().refine((r) => !(r.team && r.org), { message: '--team and --org exclude each other', path: ['org'] });
export type DigestRequest = z.infer<typeof DigestRequest>;

/** The answer of a run: previews (dry run) or one outcome per delivery. */
export const DigestAnswer = z.object({
  week: z.string(),
  previews: z.array(z.object({
    team: z.string(),
    channels: z.array(z.object({ channel: z.string(), destination: z.string().nullable(), problem: z.string().nullable(), state: z.string() })),
    text: z.string(),
  })).optional(),
  outcomes: z.array(z.object({ week: z.string(), team: z.string(), channel: z.string(), result: z.string(), attempt: z.number().nullable(), detail: z.string() })).optional(),
});
export type DigestAnswer = z.infer<typeof DigestAnswer>;

export async function runDigest(scheduler: DigestScheduler, request: DigestRequest, now = new Date()): Promise<DigestAnswer> {
  const week: IsoWeek = request.week ?? lastCompleteWeek(now);
  const filter: DeliveryFilter = {
    ...(request.team ? { team: request.team } : request.org ? { team: '' } : {}),
    ...(request.channel ? { channel: request.channel } : {}),
  };
  if (request.dryRun) {
    const previews = await scheduler.preview(week, filter);
    return { week: week.id, previews: previews.map((p) => ({ team: p.team, channels: p.channels, text: p.rendered.text })) };
  }
  return { week: week.id, outcomes: await scheduler.deliver(week, { ...filter, force: request.force ?? false }) };
}

