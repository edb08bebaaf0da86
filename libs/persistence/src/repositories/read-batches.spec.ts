import { ReadBatches, rowsBySlot } from './read-batches';

/** A run that records each batch it is given and answers every item with `${item}!`. */
function recording(answer: (items: readonly string[]) => Promise<readonly string[]> = async (items) => items.map((i) => `${i}!`)) {
  const batches: string[][] = [];
  const reads = new ReadBatches<string, string>(async (items) => {
    batches.push([...items]);
    return answer(items);
  }, 4);
  return { reads, batches };
}

const settle = <T>(promises: Array<Promise<T>>) => Promise.allSettled(promises);

describe('ReadBatches', () => {
  it('makes the reads of one turn with one key one batch, answered in order', async () => {
    const { reads, batches } = recording();
    const answers = await Promise.all([reads.read('k', 'a'), reads.read('k', 'b'), reads.read('k', 'c')]);
    expect(answers).toEqual(['a!', 'b!', 'c!']);
    expect(batches).toEqual([['a', 'b', 'c']]);
  });

  it('never puts two keys in one batch', async () => {
    const { reads, batches } = recording();
    const answers = await Promise.all([reads.read('x', 'a'), reads.read('y', 'b'), reads.read('x', 'c'), reads.read('y', 'd')]);
    expect(answers).toEqual(['a!', 'b!', 'c!', 'd!']);
    expect(batches).toEqual([
      ['a', 'c'],
      ['b', 'd'],
    ]);
  });

  it('sends nothing before the turn ends, and starts a new batch in the next turn', async () => {
    const { reads, batches } = recording();
    const first = reads.read('k', 'a');
    await Promise.resolve();
    expect(batches).toEqual([]);
    expect(await first).toBe('a!');
    expect(await reads.read('k', 'b')).toBe('b!');
    expect(batches).toEqual([['a'], ['b']]);
  });

  it('sends a full batch at once and keeps gathering the rest', async () => {
    const { reads, batches } = recording();
    const pending = ['a', 'b', 'c', 'd'].map((i) => reads.read('k', i));
    expect(batches).toEqual([['a', 'b', 'c', 'd']]);
    pending.push(reads.read('k', 'e'), reads.read('k', 'f'));
    expect(await Promise.all(pending)).toEqual(['a!', 'b!', 'c!', 'd!', 'e!', 'f!']);
    expect(batches).toEqual([
      ['a', 'b', 'c', 'd'],
      ['e', 'f'],
    ]);
  });

  it("fails every read of a failed batch with its error, and only that batch's", async () => {
    const broken = new Error('connection lost');
    const { reads } = recording(async (items) => {
      if (items.includes('bad')) throw broken;
      return items.map((i) => `${i}!`);
    });
    const results = await settle([reads.read('x', 'a'), reads.read('x', 'bad'), reads.read('y', 'c')]);
    expect(results).toEqual([
      { status: 'rejected', reason: broken },
      { status: 'rejected', reason: broken },
      { status: 'fulfilled', value: 'c!' },
    ]);
  });

  it('fails the batch when run throws before it returns a promise', async () => {
    const broken = new Error('bad statement');
    const reads = new ReadBatches<string, string>(() => {
      throw broken;
    });
    await expect(reads.read('k', 'a')).rejects.toBe(broken);
  });

  it('keeps a slot per key between turns, and forgets the idle ones when it holds maxKeys', async () => {
    const batches: string[][] = [];
    const reads = new ReadBatches<string, string>(async (items) => (batches.push([...items]), items.map((i) => `${i}!`)), 64, 3);
    for (const key of ['x', 'y', 'x', 'y']) expect(await reads.read(key, key)).toBe(`${key}!`);
    expect(reads.keys).toBe(2);
    expect(await Promise.all([reads.read('z', 'z1'), reads.read('z', 'z2')])).toEqual(['z1!', 'z2!']);
    expect(reads.keys).toBe(3);
    // A fourth key while a batch of x is open: the idle y and z go, x stays with its batch.
    const open = reads.read('x', 'x1');
    const fourth = reads.read('w', 'w1');
    expect(reads.keys).toBe(2);
    const more = reads.read('x', 'x2');
    expect(await Promise.all([open, fourth, more])).toEqual(['x1!', 'w1!', 'x2!']);
    expect(batches.slice(-2)).toEqual([['x1', 'x2'], ['w1']]);
  });

  it('refuses an answer that does not have one result per read rather than mismatching them', async () => {
    const { reads } = recording(async (items) => items.slice(1));
    const results = await settle([reads.read('k', 'a'), reads.read('k', 'b')]);
    for (const result of results) {
      expect(result).toEqual({ status: 'rejected', reason: expect.objectContaining({ message: 'a batch of 2 reads was answered with 1 results' }) });
    }
  });
});

describe('rowsBySlot', () => {
  it("puts each row in its read's place, drops the slot and leaves reads without a row null", () => {
    const rows = [
      { id: 'c', read_slot: 3 },
      { id: 'a', read_slot: 1 },
    ];
    const found = rowsBySlot(rows, 4);
    expect(found).toEqual([{ id: 'a' }, null, { id: 'c' }, null]);
    expect(Object.keys(found[0]!)).toEqual(['id']);
  });
});
