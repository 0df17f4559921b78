import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { PickItem } from '../../src/extension/ports';
import { pickPreset, quickLook, type PresetName } from '../../src/extension/presets';
import { resolveSettings } from '../../src/extension/settings';
import { evenlySpaced } from '../../src/run/dataset';
import { FakeUi, MemoryStore } from './fakes';

/** A FakeUi that also keeps the items of each pick (their details, which FakeUi does not record). */
class ItemsUi extends FakeUi {
  readonly items: PickItem<unknown>[][] = [];

  override async pick<T>(title: string, items: PickItem<T>[]): Promise<T | undefined> {
    this.items.push(items);
    return super.pick(title, items);
  }
}

describe('presets', () => {
  it("describes Quick look as what it analyses: images spread over the dataset, every class represented", async () => {
    const settings = resolveSettings({ get: () => undefined });
    const ui = new ItemsUi([{ pick: 'Quick look' }]);
    assert.equal(await pickPreset(ui, new MemoryStore(), settings, 500), 'quick');
    const quick = ui.items[0].find((item) => item.value === ('quick' satisfies PresetName));
    assert.equal(quick?.description, '50 of 500 images, 200 random samples per α');
    assert.match(quick?.detail ?? '', /spread evenly over the sorted dataset, so every class is represented/);
    assert.doesNotMatch(quick?.detail ?? '', /first images/);

    // What the preset does: 50 of 500 images in 5 sorted classes of 100 reach every class, beyond the first 50.
    const labels = Array.from({ length: 500 }, (_, index) => Math.floor(index / 100));
    const chosen = evenlySpaced(labels, quickLook(settings).sample ?? labels.length);
    assert.equal(chosen.length, 50);
    assert.deepEqual([...new Set(chosen)], [0, 1, 2, 3, 4]);
  });
});
