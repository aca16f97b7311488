import { z } from 'zod';

/*
 * What `paved connect github` (and the Settings page) asks a running Paved to do: the body of
 * POST /api/admin/connect/github. Browser-safe (no GitHub client): the dashboard validates with it.
 * Secrets in it (the token, the App's private key) are used for this connection and the backfill,
 * kept in memory only, and never logged or stored.
 */

const Repo = z.string().regex(/^[^/\s]+\/[^/\s]+$/, 'a repository is owner/name');

export const GithubConnectRequest = z.object({
  org: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9-]*$/, 'an organisation login: letters, digits and -').optional(),
  /** Hooks on these repositories only (and the backfill reads only these). */
  repos: z.array(Repo).default([]),
  /** Paved's public address; the webhook posts to `<url>/webhooks/github`. */
  url: z.url('Paved\'s public address, e.g. https://paved.example.com'),
  /** Let a loopback URL through (tests, a GitHub Enterprise Server on the same machine). */
  allowLoopback: z.boolean().default(false),
  /** Only check the permissions: create nothing, fetch nothing. */
  check: z.boolean().default(false),
  /** Start the backfill once the webhook is in place (default). */
  backfill: z.boolean().default(true),
  /** Backfill only what changed after this date on a first run. */
  since: z.string().regex(/^\d{4}-\d{2}-\d{2}/, 'a date as YYYY-MM-DD').optional(),
  /** REST base URL (GitHub Enterprise Server: https://HOST/api/v3); default sources.github.apiUrl or api.github.com. */
  apiUrl: z.url().optional(),
  credentials: z.discriminatedUnion('kind', [
    z.object({ kind: z.literal('token'), token: z.string().trim().min(1, 'paste the token') }),
    z.object({
      kind: z.literal('app'),
      appId: z.string().regex(/^\d+$/, 'the App id is a number (App settings → About)'),
      privateKey: z.string().min(1, 'the App\'s private key (.pem)'),
      installationId: z.coerce.number().int().positive().optional(),
    }),
  ]),
}).refine((r) => r.org || r.repos.length > 0, { message: 'name the organisation or at least one repository', path: ['org'] });
export type GithubConnectRequest = z.infer<typeof GithubConnectRequest>;
export type GithubConnectInput = z.input<typeof GithubConnectRequest>;
