/**
 * A binary min-heap of pixel indices keyed by (value, age): equal values pop in order of age, so
 * with unique ages the order is fully determined. Each item carries an integer tag (e.g. the
 * region that queued it). Storage grows by doubling; no per-push objects.
 */
export class PixelQueue {
  private values: Float64Array;
  private ages: Float64Array;
  private pixels: Int32Array;
  private tags: Int32Array;
  size = 0;
  /** The tag of the item pop() returned last. */
  poppedTag = 0;

  constructor(capacity = 1024) {
    this.values = new Float64Array(capacity);
    this.ages = new Float64Array(capacity);
    this.pixels = new Int32Array(capacity);
    this.tags = new Int32Array(capacity);
  }

  private before(i: number, j: number): boolean {
    const vi = this.values[i];
    const vj = this.values[j];
    return vi < vj || (vi === vj && this.ages[i] < this.ages[j]);
  }

  private swap(i: number, j: number): void {
    const { values, ages, pixels, tags } = this;
    const v = values[i];
    values[i] = values[j];
    values[j] = v;
    const a = ages[i];
    ages[i] = ages[j];
    ages[j] = a;
    const p = pixels[i];
    pixels[i] = pixels[j];
    pixels[j] = p;
    const t = tags[i];
    tags[i] = tags[j];
    tags[j] = t;
  }

  push(value: number, age: number, pixel: number, tag = 0): void {
    if (this.size === this.values.length) {
      const grow = <T extends Float64Array | Int32Array>(a: T, make: (n: number) => T): T => {
        const b = make(2 * a.length);
        b.set(a);
        return b;
      };
      this.values = grow(this.values, (n) => new Float64Array(n));
      this.ages = grow(this.ages, (n) => new Float64Array(n));
      this.pixels = grow(this.pixels, (n) => new Int32Array(n));
      this.tags = grow(this.tags, (n) => new Int32Array(n));
    }
    let child = this.size++;
    this.values[child] = value;
    this.ages[child] = age;
    this.pixels[child] = pixel;
    this.tags[child] = tag;
    while (child > 0) {
      const parent = (child - 1) >> 1;
      if (!this.before(child, parent)) break;
      this.swap(child, parent);
      child = parent;
    }
  }

  /** Removes the first item and returns its pixel. */
  pop(): number {
    const top = this.pixels[0];
    this.poppedTag = this.tags[0];
    this.size--;
    if (this.size > 0) {
      this.swap(0, this.size);
      let parent = 0;
      for (;;) {
        const left = 2 * parent + 1;
        if (left >= this.size) break;
        const right = left + 1;
        const child = right < this.size && this.before(right, left) ? right : left;
        if (!this.before(child, parent)) break;
        this.swap(child, parent);
        parent = child;
      }
    }
    return top;
  }
}
