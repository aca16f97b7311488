/**
 * E-mail over SMTP (`SMTP_URL`): one message at a time, and how the attempt ended, for the weekly
 * digests (@paved/insights) and survey invitations (@paved/surveys).
 */
/**
 * How a send ended. `failed` means the other side said no (or was never reached): the message did
 * not go out, so a retry cannot double it. `uncertain` means the request left and no answer came
 * back (timeout, connection dropped mid-way): it may have been delivered, so it is never resent
 * automatically.
 */
export type SendOutcome =
  | { status: 'sent'; detail: string }
  | { status: 'failed'; retryable: boolean; error: string; retryAfterMs?: number }
  | { status: 'uncertain'; error: string };

/** Connection errors meaning nothing left this process (the other side was never reached). */
export const NOT_REACHED: ReadonlySet<string> = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'UND_ERR_CONNECT_TIMEOUT']);

interface SmtpError {
  code?: string;
  originalCode?: string;
  responseCode?: number;
  permanent?: boolean;
  timeoutType?: string;
  message?: string;
}

/** Classifies a nodemailer error by whether the message can have been accepted. */
export function classifySmtpError(error: unknown): SendOutcome {
  const e = (error ?? {}) as SmtpError;
  const text = (e.message ?? String(error)).replace(/\s+/g, ' ').replace(/smtps?:\/\/[^\s@]*@/gi, 'smtp://[credentials]@').slice(0, 300);
  // The server replied with a failure code: SMTP guarantees the message was not accepted.
  if (e.responseCode) return { status: 'failed', retryable: e.responseCode < 500, error: `SMTP server answered ${e.responseCode}: ${text}` };
  if (e.code === 'EAUTH' || e.code === 'ECONFIG' || e.code === 'EREQUIRETLS' || e.code === 'EENVELOPE') return { status: 'failed', retryable: false, error: `SMTP: ${text}` };
  if (e.code === 'EDNS' || NOT_REACHED.has(e.originalCode ?? '') || ['CONNECT_TIMEOUT', 'GREETING_TIMEOUT', 'UPGRADE_TIMEOUT'].includes(e.timeoutType ?? '')) {
    return { status: 'failed', retryable: true, error: `SMTP server not reached: ${text}` };
  }
  return { status: 'uncertain', error: `SMTP connection ended without an answer: ${text}` };
}

export interface EmailMessage {
  from: string;
  to: string[];
  subject: string;
  text: string;
  html: string;
  /** The same for every attempt of one week and team, so a mail system can spot a duplicate. */
  messageId: string;
}

/** Sends one message over SMTP_URL (HTML and text parts). */
export async function sendEmail(smtpUrl: string, message: EmailMessage, timeoutMs: number): Promise<SendOutcome> {
  const { createTransport } = await import('nodemailer');
  const transport = createTransport({ url: smtpUrl, connectionTimeout: timeoutMs, greetingTimeout: timeoutMs, socketTimeout: timeoutMs });
  try {
    const info = await transport.sendMail({ from: message.from, to: message.to, subject: message.subject, text: message.text, html: message.html, messageId: message.messageId });
    const rejected = (info.rejected ?? []).map(String);
    return { status: 'sent', detail: `SMTP accepted for ${info.accepted.length} recipient(s)${rejected.length ? `; rejected ${rejected.join(', ')}` : ''}` };
  } catch (error) {
    return classifySmtpError(error);
  } finally {
    transport.close();
  }
}
