import { describe, expect, it } from 'vitest';
import { parseDefinition } from '../src/definition.js';

describe('a survey definition with a circular YAML alias', () => {
  it('is refused with the key that holds the loop, not a JSON crash', () => {
    const text = 'id: &loop\n  again: *loop\nversion: 1\ntitle: t\ndrivers: []\n';
    expect(() => parseDefinition(text, 'survey.yaml')).toThrow(/id: .*a value that contains itself: a circular YAML alias/);
  });
});
