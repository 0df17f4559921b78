import type { ImageRecord } from '../protocol/report';

/**
 * A report's image list indexed by file, kept in place: a live result is appended, or replaces an
 * earlier record of the same file (a resumed run). Shared by the extension's live report and the page.
 */
export class ImagesByFile {
  private readonly positions: Map<string, number>;

  constructor(private readonly images: ImageRecord[]) {
    this.positions = new Map(images.map((record, at) => [record.file, at]));
  }

  upsert(record: ImageRecord): void {
    const at = this.positions.get(record.file);
    if (at === undefined) {
      this.positions.set(record.file, this.images.length);
      this.images.push(record);
    } else {
      this.images[at] = record;
    }
  }

  get(file: string): ImageRecord | undefined {
    const at = this.positions.get(file);
    return at === undefined ? undefined : this.images[at];
  }
}
