import { describe, expect, it } from 'vitest';
import { classifySmtpError } from '../src/smtp.js';

describe('SMTP outcomes', () => {
  it('an SMTP reply code means not delivered (4xx retry, 5xx give up); a dropped connection mid-way is uncertain', () => {
    expect(classifySmtpError({ code: 'EMESSAGE', responseCode: 451, message: 'try later' })).toMatchObject({ status: 'failed', retryable: true });
    expect(classifySmtpError({ code: 'EENVELOPE', responseCode: 550, message: 'no such user' })).toMatchObject({ status: 'failed', retryable: false });
    expect(classifySmtpError({ code: 'ESOCKET', originalCode: 'ECONNREFUSED', message: 'connect ECONNREFUSED' })).toMatchObject({ status: 'failed', retryable: true });
    expect(classifySmtpError({ code: 'ETIMEDOUT', timeoutType: 'GREETING_TIMEOUT', message: 'Greeting never received' })).toMatchObject({ status: 'failed', retryable: true });
    expect(classifySmtpError({ code: 'ETIMEDOUT', timeoutType: 'SOCKET_TIMEOUT', message: 'Timeout' })).toMatchObject({ status: 'uncertain' });
    expect(classifySmtpError({ code: 'ECONNECTION', message: 'Connection closed unexpectedly' })).toMatchObject({ status: 'uncertain' });
  });
});
