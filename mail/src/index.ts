/** The public API of @paved/mail: sending one e-mail over SMTP and classifying how it ended. */
export { classifySmtpError, NOT_REACHED, sendEmail } from './smtp.js';
export type { EmailMessage, SendOutcome } from './smtp.js';
