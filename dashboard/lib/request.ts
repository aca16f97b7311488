import 'server-only';
import { headers } from 'next/headers';
import { roleOf } from './auth';

/** The URL people reach this Paved at, for webhook instructions. */
export async function originOf(): Promise<string> {
  const h = await headers();
  const host = h.get('x-forwarded-host') ?? h.get('host') ?? '127.0.0.1:3000';
  const proto = h.get('x-forwarded-proto') ?? (host.startsWith('127.0.0.1') || host.startsWith('localhost') ? 'http' : 'https');
  return `${proto}://${host}`;
}

/** Whether the person viewing may use admin forms (the server checks again on every POST). */
export async function viewerIsAdmin(): Promise<boolean> {
  const h = await headers();
  const request = new Request('http://paved.local/', { method: 'GET', headers: new Headers(Object.fromEntries(h.entries())) });
  return (await roleOf(request)) === 'admin';
}
