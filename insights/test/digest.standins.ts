import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { SLACK_LIMITS } from '../src/digest/render.js';

/** The Block Kit rules Slack enforces on an incoming-webhook message, as far as the digest uses them. */
export function blockKitProblems(message: unknown): string[] {
  const problems: string[] = [];
  const m = message as { text?: unknown; blocks?: unknown };
  if (typeof m?.text !== 'string' || m.text.length === 0) problems.push('text (the notification fallback) is missing');
  if (!Array.isArray(m?.blocks)) return [...problems, 'blocks is not an array'];
  if (m.blocks.length === 0 || m.blocks.length > SLACK_LIMITS.blocks) problems.push(`${m.blocks.length} blocks (1 to ${SLACK_LIMITS.blocks})`);
  const textObject = (value: unknown, types: string[], limit: number, where: string) => {
    const t = value as { type?: unknown; text?: unknown };
    if (!t || !types.includes(String(t.type))) problems.push(`${where}: text type ${String(t?.type)} not in ${types.join('|')}`);
    else if (typeof t.text !== 'string' || t.text.length === 0 || t.text.length > limit) problems.push(`${where}: text length ${typeof t.text === 'string' ? t.text.length : 'missing'} (1 to ${limit})`);
  };
  for (const [i, raw] of m.blocks.entries()) {
    const b = raw as Record<string, unknown>;
    const where = `block ${i} (${String(b.type)})`;
    switch (b.type) {
      case 'header':
        textObject(b.text, ['plain_text'], SLACK_LIMITS.headerText, where);
        break;
      case 'section': {
        if (b.text === undefined && b.fields === undefined) problems.push(`${where}: needs text or fields`);
        if (b.text !== undefined) textObject(b.text, ['mrkdwn', 'plain_text'], SLACK_LIMITS.sectionText, where);
        if (b.fields !== undefined) {
          if (!Array.isArray(b.fields) || b.fields.length === 0 || b.fields.length > SLACK_LIMITS.fields) problems.push(`${where}: fields (1 to ${SLACK_LIMITS.fields})`);
          else b.fields.forEach((f, j) => textObject(f, ['mrkdwn', 'plain_text'], SLACK_LIMITS.fieldText, `${where} field ${j}`));
        }
        break;
      }
      case 'context':
        if (!Array.isArray(b.elements) || b.elements.length === 0 || b.elements.length > SLACK_LIMITS.contextElements) problems.push(`${where}: elements (1 to ${SLACK_LIMITS.contextElements})`);
        else b.elements.forEach((e, j) => textObject(e, ['mrkdwn', 'plain_text'], SLACK_LIMITS.sectionText, `${where} element ${j}`));
        break;
      case 'divider':
        if (Object.keys(b).some((k) => k !== 'type' && k !== 'block_id')) problems.push(`${where}: a divider has no content`);
        break;
      default:
        problems.push(`${where}: unexpected block type`);
    }
  }
  return problems;
}

export interface SlackRequest {
  path: string;
  at: number;
  body: { text: string; blocks: { type: string; text?: { text: string } }[] };
  problems: string[];
}

/**
 * A local stand-in for Slack incoming webhooks: validates Block Kit (400 invalid_blocks like Slack),
 * can fail the next N requests with 500, and can hang (never answer) until released.
 */
export async function slackStandIn() {
  const requests: SlackRequest[] = [];
  let failures = 0;
  let hang = false;
  const hanging: ServerResponse[] = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      let body: unknown = null;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch {
        body = null;
      }
      const problems = body === null ? ['not JSON'] : blockKitProblems(body);
      requests.push({ path: req.url ?? '/', at: Date.now(), body: body as SlackRequest['body'], problems });
      if (hang) {
        hanging.push(res);
        return;
      }
      if (failures > 0) {
        failures -= 1;
        res.writeHead(500, { 'content-type': 'text/plain' }).end('internal_error');
        return;
      }
      if (problems.length) {
        res.writeHead(400, { 'content-type': 'text/plain' }).end('invalid_blocks');
        return;
      }
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    failNext(n: number) { failures = n; },
    hangRequests(value: boolean) { hang = value; },
    /** Answers every hanging request with 200. */
    release() {
      for (const res of hanging.splice(0)) res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
    },
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

export interface ReceivedMail {
  envelope: { from: string; to: string[] };
  mail: ParsedMail;
}

/** A real SMTP server on loopback; every message is parsed with mailparser. It can hang after DATA. */
export async function smtpStandIn() {
  const messages: ReceivedMail[] = [];
  let dataStarted = 0;
  let hang = false;
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, session, callback) {
      dataStarted += 1;
      const envelope = {
        from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
        to: session.envelope.rcptTo.map((r) => r.address),
      };
      simpleParser(stream).then((mail) => {
        if (hang) return; // never answer the final dot: the client cannot know whether we took it
        messages.push({ envelope, mail });
        callback();
      }, (error: Error) => callback(error));
    },
  });
  server.listen(0, '127.0.0.1');
  await once(server.server, 'listening');
  const { port } = server.server.address() as AddressInfo;
  return {
    url: `smtp://127.0.0.1:${port}`,
    messages,
    get dataStarted() { return dataStarted; },
    hangAfterData(value: boolean) { hang = value; },
    async close() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
