/**
 * Reads that arrive in one turn of the event loop, gathered by key, each key's made as one
 * statement. Under load a process has many reads by id to make at once; one statement for k of
 * them costs the API and the database one round trip, one execution and one snapshot instead of
 * k, and takes one pooled connection instead of k.
 *
 * A read waits at most until the end of the turn it arrived in (setImmediate): alone, it goes at
 * once; with others, the statement starts after the last of them arrived, so a read made after a
 * write's answer still sees the write. A batch that reaches `maxItems` goes without waiting.
 *
 * The key decides who shares a statement: callers build it from everything the statement's text
 * and shared parameters depend on, so items with different keys never meet in one statement.
 * `run` answers the items in their order, one result each; when it fails, every read of the batch
 * fails with its error, and no other batch does.
 */
export class ReadBatches<Item, Result> {
  /**
   * One slot per key, kept between turns: a batch comes and goes in its key's slot without adding
   * or removing a map entry. Removing one per batch made the map shrink and grow its table every
   * turn, and the tables, long-lived enough to be promoted, were an eighth of what the API's reads
   * by id left in the old generation. Slots with no batch open are forgotten all at once when
   * `maxKeys` is reached (list pages' keys hold their cursors).
   */
  private readonly slots = new Map<string, { batch: Batch<Item, Result> | undefined }>();

  constructor(
    private readonly run: (items: readonly Item[]) => Promise<readonly Result[]>,
    private readonly maxItems = 64,
    private readonly maxKeys = 1_024,
  ) {}

  read(key: string, item: Item): Promise<Result> {
    let slot = this.slots.get(key);
    if (slot === undefined) {
      if (this.slots.size >= this.maxKeys) this.forgetIdle();
      slot = { batch: undefined };
      this.slots.set(key, slot);
    }
    let batch = slot.batch;
    if (batch === undefined) {
      const created: Batch<Item, Result> = { items: [], waiters: [] };
      const own = slot;
      own.batch = created;
      setImmediate(() => this.send(own, created));
      batch = created;
    }
    const { waiters } = batch;
    const result = new Promise<Result>((resolve, reject) => waiters.push({ resolve, reject }));
    batch.items.push(item);
    if (batch.items.length >= this.maxItems) this.send(slot, batch);
    return result;
  }

  /** How many keys have a slot (for tests). */
  get keys(): number {
    return this.slots.size;
  }

  private forgetIdle(): void {
    for (const [key, slot] of this.slots) if (slot.batch === undefined) this.slots.delete(key);
  }

  private send(slot: { batch: Batch<Item, Result> | undefined }, batch: Batch<Item, Result>): void {
    // Sent already (it filled up before its turn ended): a later batch may hold the slot now.
    if (slot.batch !== batch) return;
    slot.batch = undefined;
    const { items, waiters } = batch;
    let answered: Promise<readonly Result[]>;
    try {
      answered = this.run(items);
    } catch (err) {
      answered = Promise.reject(err);
    }
    answered.then(
      (results) => {
        if (results.length !== items.length) {
          const err = new Error(`a batch of ${items.length} reads was answered with ${results.length} results`);
          for (const waiter of waiters) waiter.reject(err);
          return;
        }
        for (let i = 0; i < waiters.length; i++) waiters[i]!.resolve(results[i]!);
      },
      (err: unknown) => {
        for (const waiter of waiters) waiter.reject(err);
      },
    );
  }
}

interface Batch<Item, Result> {
  items: Item[];
  waiters: Array<{ resolve(result: Result): void; reject(err: unknown): void }>;
}

/**
 * A batched statement's rows back in its reads' order: each row names its read's place in the
 * batch in `read_slot` (1-based, from `WITH ORDINALITY`, selected as the last column), which is
 * dropped before the row leaves; a read with no row gets null.
 */
export function rowsBySlot<Row extends object>(rows: ReadonlyArray<Row & { read_slot?: number }>, reads: number): Array<Row | null> {
  const found = new Array<Row | null>(reads).fill(null);
  for (const row of rows) {
    const slot = row.read_slot! - 1;
    delete row.read_slot;
    found[slot] = row;
  }
  return found;
}
