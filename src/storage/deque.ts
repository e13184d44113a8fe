/** An array-backed FIFO with O(1) amortised push/shift and indexed access. */
export class Deque<T> {
  #items: T[] = [];
  #head = 0;

  get length(): number {
    return this.#items.length - this.#head;
  }

  at(i: number): T {
    return this.#items[this.#head + i];
  }

  first(): T | undefined {
    return this.length > 0 ? this.#items[this.#head] : undefined;
  }

  last(): T | undefined {
    return this.length > 0 ? this.#items[this.#items.length - 1] : undefined;
  }

  push(v: T): void {
    this.#items.push(v);
  }

  shift(): T | undefined {
    if (this.length === 0) return undefined;
    const v = this.#items[this.#head];
    this.#head++;
    // Reclaim the consumed prefix once it dominates the array.
    if (this.#head > 1024 && this.#head * 2 > this.#items.length) {
      this.#items = this.#items.slice(this.#head);
      this.#head = 0;
    }
    return v;
  }

  pop(): T | undefined {
    return this.length > 0 ? this.#items.pop() : undefined;
  }

  clear(): void {
    this.#items = [];
    this.#head = 0;
  }

  /** Index of the last item for which `pred` holds, assuming it holds for a prefix; -1 if none. */
  lastIndexWhere(pred: (v: T) => boolean): number {
    let lo = 0;
    let hi = this.length - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (pred(this.at(mid))) {
        found = mid;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    return found;
  }
}
