// A fixed-capacity ring: the newest `capacity` items, oldest overwritten, O(1) push, no growth.

export class BoundedRing<T> {
  private readonly items: (T | undefined)[];
  private next = 0;
  private count = 0;

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1)
      throw new RangeError('capacity must be a positive integer');
    this.items = new Array<T | undefined>(capacity);
  }

  get size(): number {
    return this.count;
  }

  push(item: T): void {
    this.items[this.next] = item;
    this.next = (this.next + 1) % this.capacity;
    this.count = Math.min(this.count + 1, this.capacity);
  }

  /** Up to `limit` items, newest first. */
  newest(limit = this.capacity): T[] {
    const out: T[] = [];
    const take = Math.min(Math.max(0, Math.floor(limit)), this.count);
    for (let i = 1; i <= take; i++)
      out.push(this.items[(this.next - i + this.capacity) % this.capacity] as T);
    return out;
  }

  clear(): void {
    this.items.fill(undefined);
    this.next = 0;
    this.count = 0;
  }
}
