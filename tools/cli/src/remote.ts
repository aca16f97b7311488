/** Calls the loopback API of a running `paved start` (commands that cannot open the warehouse it holds). */
export async function callServer(server: { url: string; token: string | null }, method: 'GET' | 'POST', path: string, body?: unknown): Promise<unknown> {
  const response = await fetch(`${server.url}${path}`, {
    method,
    headers: { accept: 'application/json', ...(server.token ? { authorization: `Bearer ${server.token}` } : {}), ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
    signal: AbortSignal.timeout(300_000),
  }).catch((error: unknown) => {
    throw new Error(`the running Paved at ${server.url} did not answer (${(error as Error).message}); is it still running?`);
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`the running Paved answered ${response.status}: ${text.slice(0, 500)}`);
  return JSON.parse(text) as unknown;
}
