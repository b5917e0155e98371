/** A binary min-heap keyed by time: the scheduler's one queue of next runs (O(log n) push/pop). */

export type HeapItem<T> = { at: number; value: T };

export function createMinHeap<T>() {
  const a: HeapItem<T>[] = [];

  function up(i: number): void {
    const item = a[i]!;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (a[p]!.at <= item.at) break;
      a[i] = a[p]!;
      i = p;
    }
    a[i] = item;
  }

  function down(i: number): void {
    const item = a[i]!;
    const n = a.length;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const c = r < n && a[r]!.at < a[l]!.at ? r : l;
      if (a[c]!.at >= item.at) break;
      a[i] = a[c]!;
      i = c;
    }
    a[i] = item;
  }

  return {
    push(at: number, value: T): void {
      a.push({ at, value });
      up(a.length - 1);
    },
    peek(): HeapItem<T> | undefined {
      return a[0];
    },
    pop(): HeapItem<T> | undefined {
      const top = a[0];
      const last = a.pop();
      if (a.length > 0 && last) {
        a[0] = last;
        down(0);
      }
      return top;
    },
    get size(): number {
      return a.length;
    },
    clear(): void {
      a.length = 0;
    },
  };
}
