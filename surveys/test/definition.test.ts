import { surveyDefinition as demoDefinition } from '@paved/ingest';
import { describe, expect, it } from 'vitest';
import { DefinitionError, itemsOf, parseDefinition } from '../src/definition.js';
import { loadTemplate } from '../src/template.js';

const DRIVERS = ['build_test_speed', 'ci_reliability', 'ease_of_deployment', 'code_review', 'documentation', 'cognitive_load', 'flow_focus', 'on_call', 'platform_satisfaction'];

describe('the shipped developer-experience template', () => {
  const template = loadTemplate();

  it('has the nine drivers, each with two or three items on a five-point scale', () => {
    expect(template.drivers.map((d) => d.id)).toEqual(DRIVERS);
    for (const driver of template.drivers) {
      expect(driver.items.length).toBeGreaterThanOrEqual(2);
      expect(driver.items.length).toBeLessThanOrEqual(3);
    }
    expect(new Set(template.drivers.flatMap((d) => d.items.map((i) => i.scale)))).toEqual(new Set(['agreement', 'frequency']));
  });

  it('asks eNPS, hours lost and optional free text', () => {
    expect(template.extra_items.find((i) => i.id === 'enps')).toEqual({ id: 'enps', kind: 'enps', text: 'How likely are you to recommend our internal platform to a colleague?' });
    expect(template.extra_items.find((i) => i.id === 'hours_lost')).toMatchObject({ kind: 'hours_lost', max: 40 });
    expect(template.extra_items.filter((i) => i.kind === 'free_text').length).toBeGreaterThan(0);
  });

  it('scores the demo’s answers the same way: every demo item id exists with the same kind and direction', () => {
    const demo = demoDefinition();
    const ours = new Map(itemsOf(template).map((i) => [i.id, i]));
    for (const item of itemsOf(demo)) {
      const mine = ours.get(item.id);
      expect(mine, item.id).toBeDefined();
      expect(mine!.kind).toBe(item.kind);
      if (item.kind === 'likert' && mine!.kind === 'likert') expect(mine!.reversed, item.id).toBe(item.reversed);
    }
    expect(template.id).toBe(demo.id);
    expect(template.version).toBeGreaterThan(demo.version);
  });
});

describe('definition files', () => {
  it('a wrong value is reported with its path', () => {
    const yaml = 'id: x\nversion: 1\ntitle: X\ndrivers:\n  - id: d\n    label: D\n    items:\n      - id: d_1\n        kind: likert\n        text: T\n        scale: sometimes\n';
    try {
      parseDefinition(yaml, 'x.yaml');
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(DefinitionError);
      expect((error as DefinitionError).problems[0]).toMatch(/^drivers\.0\.items\.0\.scale: .*\(got "sometimes"\)/);
    }
  });

  it('an id used twice is refused', () => {
    const yaml = 'id: x\nversion: 1\ntitle: X\ndrivers:\n  - id: d\n    label: D\n    items:\n      - { id: d_1, kind: likert, text: T }\n      - { id: d_1, kind: likert, text: U }\n';
    expect(() => parseDefinition(yaml)).toThrow(/drivers\.0\.items\.1\.id: id "d_1" is already used at drivers\.0\.items\.0\.id/);
  });

  it('a YAML syntax error names the line', () => {
    expect(() => parseDefinition('id: x\n  version: [1\n')).toThrow(/YAML syntax error at line \d+/);
  });
});
