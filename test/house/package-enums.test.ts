/** package.json's setting enums are the lists declared beside their types, never a second copy that drifts. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { attackNames } from '../../src/engine/attacks/names';
import { preprocessPresets } from '../../src/protocol/preprocessing';
import { backendChoices, forwardChoices } from '../../src/protocol/report';

const manifest = JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8')) as {
  contributes: { configuration: { properties: Record<string, { enum?: string[] }> } | { properties: Record<string, { enum?: string[] }> }[] };
};

function setting(key: string): { enum?: string[] } {
  const configuration = manifest.contributes.configuration;
  const sections = Array.isArray(configuration) ? configuration : [configuration];
  const found = sections.map((section) => section.properties[`robustnessLens.${key}`]).find(Boolean);
  assert.ok(found, `package.json declares robustnessLens.${key}`);
  return found;
}

for (const [key, names] of [
  ['backend', backendChoices],
  ['forward', forwardChoices],
  ['attack', attackNames],
  ['preprocess', preprocessPresets],
] as const) {
  test(`robustnessLens.${key}'s enum is the declared list`, () => {
    assert.deepEqual(setting(key).enum, [...names]);
  });
}
