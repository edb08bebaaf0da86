import type { AppConfig } from '@labgate/config';
import type { Transactor, UserRow, UsersRepository } from '@labgate/persistence';
import { AuthService } from './auth.service';

/** The token table, in memory: each lookup is held until the test releases it. */
class HeldLookups {
  readonly waiting: Array<{ hash: Buffer; answer: (row: UserRow | null) => void }> = [];
  rows = new Map<string, UserRow>();

  byTokenHash(hash: Buffer): Promise<UserRow | null> {
    return new Promise((answer) => this.waiting.push({ hash, answer }));
  }

  /** Answers every lookup made so far from the rows as they are now. */
  releaseAll(): void {
    for (const { hash, answer } of this.waiting.splice(0)) answer(this.rows.get(hash.toString('base64')) ?? null);
  }
}

const ada: UserRow = { id: 'u-1', name: 'Ada', email: 'ada@europol.example', agency_code: 'europol', roles: ['lead'], created_at: new Date(0), deactivated_at: null };

function setUp() {
  const table = new HeldLookups();
  const auth = new AuthService({} as Transactor, table as unknown as UsersRepository, { secretsKey: 'k' } as AppConfig);
  return { table, auth };
}

async function tokenOf(auth: AuthService, table: HeldLookups, token: string): Promise<void> {
  // The hash the service looks up by is whatever it asks for: learn it from the first lookup.
  const probe = auth.resolveToken(token);
  const { hash } = table.waiting[0]!;
  table.rows.set(hash.toString('base64'), ada);
  table.releaseAll();
  await probe;
}

describe('AuthService token resolution', () => {
  it('answers a burst of requests with one token from one lookup', async () => {
    const { table, auth } = setUp();
    const burst = Array.from({ length: 32 }, () => auth.resolveToken('tok-burst'));
    expect(table.waiting).toHaveLength(1);
    table.releaseAll();
    expect(await Promise.all(burst)).toEqual(Array(32).fill(null));
    expect(auth.tokenLookups).toBe(1);
  });

  it('serves a resolved token from memory, then looks it up again after a second', async () => {
    const { table, auth } = setUp();
    await tokenOf(auth, table, 'tok-ada');
    expect(auth.cached('tok-ada')?.id).toBe('u-1');
    expect((await auth.resolveToken('tok-ada'))?.id).toBe('u-1');
    expect(auth.tokenLookups).toBe(1);

    const now = Date.now();
    const clock = jest.spyOn(Date, 'now').mockReturnValue(now + 1_001);
    try {
      expect(auth.cached('tok-ada')).toBeUndefined();
      const again = auth.resolveToken('tok-ada');
      expect(table.waiting).toHaveLength(1);
      table.releaseAll();
      expect((await again)?.id).toBe('u-1');
      expect(auth.tokenLookups).toBe(2);
    } finally {
      clock.mockRestore();
    }
  });

  it('does not remember unknown tokens', async () => {
    const { table, auth } = setUp();
    const first = auth.resolveToken('tok-new');
    table.releaseAll();
    expect(await first).toBeNull();
    const second = auth.resolveToken('tok-new');
    expect(table.waiting).toHaveLength(1);
    table.releaseAll();
    await second;
    expect(auth.tokenLookups).toBe(2);
  });

  it('after forget(), neither joins nor remembers a lookup that began before it', async () => {
    const { table, auth } = setUp();
    await tokenOf(auth, table, 'tok-ada');
    const now = Date.now();
    const clock = jest.spyOn(Date, 'now').mockReturnValue(now + 1_001);
    try {
      // A request's lookup is on its way when the user's tokens are revoked in this process.
      const before = auth.resolveToken('tok-ada');
      auth.forget('u-1');
      table.rows.clear();
      // A request after the revocation makes its own lookup instead of joining the old one.
      const after = auth.resolveToken('tok-ada');
      expect(table.waiting).toHaveLength(2);
      const [old] = table.waiting.splice(0, 1);
      old!.answer(ada);
      table.releaseAll();
      expect((await before)?.id).toBe('u-1');
      expect(await after).toBeNull();
      // The stale answer was not kept.
      expect(auth.cached('tok-ada')).toBeUndefined();
    } finally {
      clock.mockRestore();
    }
  });
});
