import { DomainError, isDomainError } from './errors';

describe('DomainError', () => {
  it('carries a stable code, a name and field details', () => {
    const error = new DomainError('POLICY.INVALID', 'bad policy', [{ field: 'quorum', message: 'too big' }]);
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('DomainError');
    expect(error.code).toBe('POLICY.INVALID');
    expect(error.message).toBe('bad policy');
    expect(error.details).toEqual([{ field: 'quorum', message: 'too big' }]);
    expect(isDomainError(error)).toBe(true);
  });

  it('leaves details undefined when none are given and is told apart from plain errors', () => {
    expect(new DomainError('PILOT.WRONG_STATE', 'done').details).toBeUndefined();
    expect(isDomainError(new Error('x'))).toBe(false);
  });
});
