import { describe, expect, it } from 'vitest';
import { csvField, csvRows } from '../src/csv.js';

describe('the one CSV field writer', () => {
  it('quotes commas, quotes, line breaks and edge spaces (RFC 4180)', () => {
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('two\nlines')).toBe('"two\nlines"');
    expect(csvField(' padded')).toBe('" padded"');
    expect(csvField(['x', 'y'])).toBe('x; y');
    expect(csvField(null)).toBe('');
    expect(csvField(Number.NaN)).toBe('');
    expect(csvField(-3)).toBe('-3');
  });

  it('defuses text a spreadsheet would run as a formula, but not numbers written as text', () => {
    expect(csvField('=HYPERLINK("http://evil")')).toBe(`"'=HYPERLINK(""http://evil"")"`);
    expect(csvField('+cmd|x')).toBe("'+cmd|x");
    expect(csvField('@SUM(A1)')).toBe("'@SUM(A1)");
    expect(csvField('-2+3')).toBe("'-2+3");
    expect(csvField('-3')).toBe('-3');
    expect(csvField('+1.5')).toBe('+1.5');
  });

  it('writes rows with CRLF line ends', () => {
    expect(csvRows([['a', 'b'], [1, null]])).toBe('a,b\r\n1,\r\n');
  });
});
