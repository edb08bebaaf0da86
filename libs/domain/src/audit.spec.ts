import { createHash } from 'node:crypto';
import fc from 'fast-check';
import {
  AuditEventBody,
  ChainedAuditEvent,
  GENESIS_HASH,
  canonicalJson,
  hashEvent,
  merkleRoot,
  sha256Hex,
  verifyChain,
} from './audit';

function sha256(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

function buildChain(count: number, pilotId = 'b3a1c7de-0000-4000-8000-000000000001'): ChainedAuditEvent[] {
  const events: ChainedAuditEvent[] = [];
  let prevHash = GENESIS_HASH;
  for (let seq = 1; seq <= count; seq++) {
    const body: AuditEventBody = {
      seq,
      pilotId,
      actor: seq % 2 === 0 ? 'user-2' : 'user-1',
      action: seq === 1 ? 'pilot.created' : 'pilot.updated',
      payload: { step: seq, changes: { title: `Title ${seq}` }, tags: ['ai', 'drones'] },
      at: new Date(Date.UTC(2026, 0, seq, 12)).toISOString(),
    };
    const hash = hashEvent(prevHash, body);
    events.push({ ...body, prevHash, hash });
    prevHash = hash;
  }
  return events;
}

function rechain(events: ChainedAuditEvent[], fromIndex: number): ChainedAuditEvent[] {
  const copy = events.map((event) => ({ ...event }));
  for (let index = fromIndex; index < copy.length; index++) {
    copy[index].prevHash = index === 0 ? GENESIS_HASH : copy[index - 1].hash;
    copy[index].hash = hashEvent(copy[index].prevHash, copy[index]);
  }
  return copy;
}

describe('canonicalJson', () => {
  it.each([
    [null, 'null'],
    [true, 'true'],
    [false, 'false'],
    [0, '0'],
    [-0, '0'],
    [1.5, '1.5'],
    [1e21, '1e+21'],
    [-12, '-12'],
    ['text', '"text"'],
    ['quote " and \\ and \n', '"quote \\" and \\\\ and \\n"'],
    ['\u0001', '"\\u0001"'],
    [[], '[]'],
    [{}, '{}'],
    [[1, 'a', null, true], '[1,"a",null,true]'],
  ])('serialises %p as %s', (value, expected) => {
    expect(canonicalJson(value)).toBe(expected);
  });

  it('sorts keys and emits no whitespace', () => {
    expect(canonicalJson({ b: 1, a: 2, c: { z: [3, { y: 1, x: 2 }], a: null } })).toBe(
      '{"a":2,"b":1,"c":{"a":null,"z":[3,{"x":2,"y":1}]}}',
    );
  });

  it('is independent of key insertion order at every depth', () => {
    const one = { pilot: { title: 'T', budget: 100, trl: { target: 6, current: 3 } }, actor: 'u', list: [{ b: 1, a: 2 }] };
    const two = { list: [{ a: 2, b: 1 }], actor: 'u', pilot: { trl: { current: 3, target: 6 }, budget: 100, title: 'T' } };
    expect(canonicalJson(one)).toBe(canonicalJson(two));
  });

  it('keeps array order, which is meaningful', () => {
    expect(canonicalJson([1, 2])).not.toBe(canonicalJson([2, 1]));
  });

  it('sorts keys by UTF-16 code units, not code points', () => {
    // U+1F600 is stored as the surrogates D83D DE00, which sort before U+FFFF by code unit
    // although the code point is larger: the RFC 8785 ordering.
    const value = { '\uFFFF': 1, '\u{1F600}': 2, é: 3, e: 4, E: 5, '10': 6, '9': 7 };
    expect(canonicalJson(value)).toBe('{"10":6,"9":7,"E":5,"e":4,"é":3,"\u{1F600}":2,"\uFFFF":1}');
  });

  it('leaves non-ASCII text unescaped, so the hash is over the UTF-8 a reader sees', () => {
    expect(canonicalJson({ name: 'Ελλάδα – Łódź 🚁' })).toBe('{"name":"Ελλάδα – Łódź 🚁"}');
  });

  it('drops undefined members and writes undefined array slots and holes as null', () => {
    // eslint-disable-next-line no-sparse-arrays
    const sparse = [1, , 3];
    expect(canonicalJson({ a: undefined, b: 1, c: [undefined, 2], d: sparse })).toBe('{"b":1,"c":[null,2],"d":[1,null,3]}');
  });

  it('writes dates as ISO strings, like a value read back from storage', () => {
    const at = new Date('2026-03-01T09:30:00.123Z');
    expect(canonicalJson({ at })).toBe('{"at":"2026-03-01T09:30:00.123Z"}');
    expect(canonicalJson({ at })).toBe(canonicalJson({ at: at.toISOString() }));
  });

  it('uses toJSON where an object defines one', () => {
    const money = { cents: 5, toJSON: () => ({ eur: '0.05' }) };
    expect(canonicalJson({ money })).toBe('{"money":{"eur":"0.05"}}');
  });

  it('keeps an own "__proto__" key as data, as JSON.parse creates it', () => {
    expect(canonicalJson(JSON.parse('{"b":1,"__proto__":{"x":2}}'))).toBe('{"__proto__":{"x":2},"b":1}');
  });

  it('accepts a shared, non-circular reference', () => {
    const shared = { x: 1 };
    expect(canonicalJson({ a: shared, b: shared })).toBe('{"a":{"x":1},"b":{"x":1}}');
  });

  it.each([
    ['NaN', { n: Number.NaN }],
    ['Infinity', { n: Number.POSITIVE_INFINITY }],
    ['-Infinity in an array', [Number.NEGATIVE_INFINITY]],
    ['a bigint', { n: BigInt(1) }],
    ['a function', { f: () => 1 }],
    ['a symbol', { s: Symbol('s') }],
    ['an invalid date', { at: new Date(Number.NaN) }],
    ['undefined at the top', undefined],
  ])('refuses %s', (_label, value) => {
    expect(() => canonicalJson(value)).toThrow(TypeError);
  });

  it('refuses a circular structure', () => {
    const loop: Record<string, unknown> = { a: 1 };
    loop.self = loop;
    expect(() => canonicalJson(loop)).toThrow(/circular/);
  });

  it('is unchanged by a JSON round trip (as through a jsonb column)', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        expect(canonicalJson(JSON.parse(JSON.stringify(value)))).toBe(canonicalJson(value));
      }),
    );
  });

  it('parses back to an equal value', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        expect(JSON.parse(canonicalJson(value))).toEqual(JSON.parse(JSON.stringify(value)));
      }),
    );
  });

  it('does not depend on key insertion order (property)', () => {
    fc.assert(
      fc.property(
        fc.dictionary(fc.string(), fc.jsonValue({ maxDepth: 2 })),
        fc.infiniteStream(fc.nat()),
        (dict, randoms) => {
          const keys = Object.keys(dict);
          const shuffled = keys
            .map((key) => ({ key, rank: randoms.next().value as number }))
            .sort((a, b) => a.rank - b.rank)
            .map(({ key }) => key);
          // fromEntries defines own properties, so a '__proto__' key stays data, as JSON.parse makes it.
          const reordered = Object.fromEntries(shuffled.map((key) => [key, dict[key]]));
          expect(canonicalJson(reordered)).toBe(canonicalJson(dict));
        },
      ),
    );
  });
});

describe('hashEvent', () => {
  const body: AuditEventBody = {
    seq: 1,
    pilotId: 'p-1',
    actor: 'u-1',
    action: 'pilot.created',
    payload: { title: 'Drone triage', budgetRequestedCents: 100 },
    at: '2026-01-01T00:00:00.000Z',
  };

  it('is sha256 over the previous hash followed by the canonical body', () => {
    const canonical =
      '{"action":"pilot.created","actor":"u-1","at":"2026-01-01T00:00:00.000Z",' +
      '"payload":{"budgetRequestedCents":100,"title":"Drone triage"},"pilotId":"p-1","seq":1}';
    expect(hashEvent(GENESIS_HASH, body)).toBe(sha256(GENESIS_HASH + canonical));
  });

  it('is deterministic and a lowercase hex sha256', () => {
    const first = hashEvent(GENESIS_HASH, body);
    expect(first).toMatch(/^[0-9a-f]{64}$/);
    expect(hashEvent(GENESIS_HASH, { ...body, payload: { budgetRequestedCents: 100, title: 'Drone triage' } })).toBe(first);
  });

  it('ignores fields outside the body, so a stored row hashes like its body', () => {
    const row = { ...body, prevHash: 'a'.repeat(64), hash: 'b'.repeat(64), id: 42 } as AuditEventBody;
    expect(hashEvent(GENESIS_HASH, row)).toBe(hashEvent(GENESIS_HASH, body));
  });

  it.each([
    ['seq', { seq: 2 }],
    ['pilotId', { pilotId: 'p-2' }],
    ['actor', { actor: 'u-2' }],
    ['action', { action: 'pilot.updated' }],
    ['payload', { payload: { title: 'Drone triage', budgetRequestedCents: 101 } }],
    ['at', { at: '2026-01-01T00:00:00.001Z' }],
  ])('changes when %s changes', (_field, change) => {
    expect(hashEvent(GENESIS_HASH, { ...body, ...change })).not.toBe(hashEvent(GENESIS_HASH, body));
  });

  it('changes with the previous hash', () => {
    expect(hashEvent('f'.repeat(64), body)).not.toBe(hashEvent(GENESIS_HASH, body));
  });

  it('has an all-zero genesis hash', () => {
    expect(GENESIS_HASH).toBe('0'.repeat(64));
  });
});

describe('verifyChain', () => {
  const chain = buildChain(5);

  it('accepts an intact chain and counts its events', () => {
    expect(verifyChain(chain)).toEqual({ valid: true, events: 5 });
  });

  it('accepts an empty chain', () => {
    expect(verifyChain([])).toEqual({ valid: true, events: 0 });
  });

  it('sorts by seq, so the order rows arrive in does not matter', () => {
    const shuffled = [chain[3], chain[0], chain[4], chain[2], chain[1]];
    expect(verifyChain(shuffled)).toEqual({ valid: true, events: 5 });
  });

  it('accepts payloads holding dates once they are read back as strings', () => {
    const body: AuditEventBody = {
      seq: 1,
      pilotId: 'p',
      actor: 'a',
      action: 'x',
      payload: { when: new Date('2026-05-05T00:00:00Z') },
      at: '2026-05-05T00:00:00.000Z',
    };
    const hash = hashEvent(GENESIS_HASH, body);
    const stored = JSON.parse(JSON.stringify({ ...body, prevHash: GENESIS_HASH, hash })) as ChainedAuditEvent;
    expect(verifyChain([stored])).toEqual({ valid: true, events: 1 });
  });

  it('detects a tampered payload', () => {
    const tampered = chain.map((event) => ({ ...event }));
    tampered[2].payload = { step: 3, changes: { title: 'Forged' }, tags: ['ai', 'drones'] };
    expect(verifyChain(tampered)).toEqual({ valid: false, events: 5, brokenAtSeq: 3 });
  });

  it.each(['actor', 'action', 'pilotId', 'at'] as const)('detects a tampered %s', (field) => {
    const tampered = chain.map((event) => ({ ...event }));
    tampered[1] = { ...tampered[1], [field]: `${tampered[1][field]}x` };
    expect(verifyChain(tampered)).toEqual({ valid: false, events: 5, brokenAtSeq: 2 });
  });

  it('detects a tampered hash', () => {
    const tampered = chain.map((event) => ({ ...event }));
    tampered[3].hash = 'f'.repeat(64);
    expect(verifyChain(tampered)).toEqual({ valid: false, events: 5, brokenAtSeq: 4 });
  });

  it('detects a tampered prevHash', () => {
    const tampered = chain.map((event) => ({ ...event }));
    tampered[2].prevHash = chain[0].hash;
    expect(verifyChain(tampered)).toEqual({ valid: false, events: 5, brokenAtSeq: 3 });
  });

  it('detects a first event that does not start from genesis', () => {
    const tampered = rechain(chain, 0);
    tampered[0].prevHash = 'a'.repeat(64);
    tampered[0].hash = hashEvent(tampered[0].prevHash, tampered[0]);
    expect(verifyChain(tampered)).toEqual({ valid: false, events: 5, brokenAtSeq: 1 });
  });

  it('detects an edited event whose own hash was recomputed, at the next link', () => {
    const tampered = chain.map((event) => ({ ...event }));
    tampered[2].payload = { forged: true };
    tampered[2].hash = hashEvent(tampered[2].prevHash, tampered[2]);
    expect(verifyChain(tampered)).toEqual({ valid: false, events: 5, brokenAtSeq: 4 });
  });

  it('detects a deleted event and reports the missing seq', () => {
    const withoutThird = chain.filter((event) => event.seq !== 3);
    expect(verifyChain(withoutThird)).toEqual({ valid: false, events: 4, brokenAtSeq: 3 });
  });

  it('detects a deleted first event', () => {
    expect(verifyChain(chain.slice(1))).toEqual({ valid: false, events: 4, brokenAtSeq: 1 });
  });

  it('detects a deleted event even when the later seqs are renumbered', () => {
    const renumbered = chain.filter((event) => event.seq !== 3).map((event, index) => ({ ...event, seq: index + 1 }));
    expect(verifyChain(renumbered)).toEqual({ valid: false, events: 4, brokenAtSeq: 3 });
  });

  it('detects reordered events (contents swapped between seqs)', () => {
    const reordered = chain.map((event) => ({ ...event }));
    reordered[1] = { ...chain[2], seq: 2 };
    reordered[2] = { ...chain[1], seq: 3 };
    expect(verifyChain(reordered)).toEqual({ valid: false, events: 5, brokenAtSeq: 2 });
  });

  it('detects a duplicated seq', () => {
    const duplicated = [...chain.slice(0, 3), { ...chain[2] }, ...chain.slice(3)];
    expect(verifyChain(duplicated)).toEqual({ valid: false, events: 6, brokenAtSeq: 3 });
  });

  it('reports the first of several broken events', () => {
    const tampered = chain.map((event) => ({ ...event }));
    tampered[4].payload = 'x';
    tampered[1].payload = 'y';
    expect(verifyChain(tampered)).toEqual({ valid: false, events: 5, brokenAtSeq: 2 });
  });

  it('treats a stored payload that cannot be serialised as broken, not as a crash', () => {
    const tampered = chain.map((event) => ({ ...event }));
    tampered[1].payload = { n: Number.NaN };
    expect(verifyChain(tampered)).toEqual({ valid: false, events: 5, brokenAtSeq: 2 });
  });

  it('cannot see a fully rewritten tail, which is why heads are sealed into Merkle roots', () => {
    const rewritten = rechain(
      chain.map((event, index) => (index === 3 ? { ...event, payload: 'forged' } : event)),
      3,
    );
    expect(verifyChain(rewritten).valid).toBe(true);
    expect(merkleRoot([rewritten[4].hash])).not.toBe(merkleRoot([chain[4].hash]));
  });

  it('detects any single-event payload edit in any chain (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.jsonValue({ maxDepth: 2 }), { minLength: 1, maxLength: 8 }),
        fc.nat(),
        fc.jsonValue({ maxDepth: 2 }),
        (payloads, pick, forged) => {
          let prevHash = GENESIS_HASH;
          const events: ChainedAuditEvent[] = payloads.map((payload, index) => {
            const body = { seq: index + 1, pilotId: 'p', actor: 'a', action: 'x', payload, at: '2026-01-01T00:00:00.000Z' };
            const hash = hashEvent(prevHash, body);
            const event = { ...body, prevHash, hash };
            prevHash = hash;
            return event;
          });
          expect(verifyChain(events)).toEqual({ valid: true, events: events.length });

          const target = pick % events.length;
          fc.pre(canonicalJson(forged) !== canonicalJson(events[target].payload));
          const tampered = events.map((event, index) => (index === target ? { ...event, payload: forged } : event));
          expect(verifyChain(tampered)).toEqual({ valid: false, events: events.length, brokenAtSeq: target + 1 });
        },
      ),
    );
  });
});

describe('merkleRoot', () => {
  const [a, b, c, d] = ['a', 'b', 'c', 'd'].map((letter) => sha256(letter));

  it('of no leaves is the sha256 of the empty string', () => {
    expect(merkleRoot([])).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  });

  it('of one leaf is the leaf', () => {
    expect(merkleRoot([a])).toBe(a);
  });

  it('hashes pairs of hex strings', () => {
    expect(merkleRoot([a, b])).toBe(sha256(a + b));
    expect(merkleRoot([a, b, c, d])).toBe(sha256(sha256(a + b) + sha256(c + d)));
  });

  it('doubles the last node of an odd level', () => {
    expect(merkleRoot([a, b, c])).toBe(sha256(sha256(a + b) + sha256(c + c)));
    const e = sha256('e');
    const left = sha256(sha256(a + b) + sha256(c + d));
    const right = sha256(sha256(e + e) + sha256(e + e));
    expect(merkleRoot([a, b, c, d, e])).toBe(sha256(left + right));
  });

  it('keeps the order it is given', () => {
    expect(merkleRoot([a, b])).not.toBe(merkleRoot([b, a]));
  });

  it('does not modify its input', () => {
    const leaves = [a, b, c];
    merkleRoot(leaves);
    expect(leaves).toEqual([a, b, c]);
  });

  it('changes when any leaf changes (property)', () => {
    const digest = fc.string().map(sha256);
    fc.assert(
      fc.property(fc.array(digest, { minLength: 1, maxLength: 20 }), fc.nat(), digest, (leaves, pick, replacement) => {
        const index = pick % leaves.length;
        fc.pre(leaves[index] !== replacement);
        const changed = leaves.map((leaf, i) => (i === index ? replacement : leaf));
        expect(merkleRoot(changed)).not.toBe(merkleRoot(leaves));
      }),
    );
  });

  it.each(['', 'xyz', 'A'.repeat(64), `${a}0`])('refuses a leaf that is not a lowercase sha256 hex digest: %j', (leaf) => {
    expect(() => merkleRoot([a, leaf])).toThrow(TypeError);
  });

  it('exposes the same sha256 it uses', () => {
    expect(sha256Hex('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });
});
