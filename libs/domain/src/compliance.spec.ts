import { DEFAULT_PREREQUISITES, missingPrerequisites } from './compliance';
import { defaultPolicy, validatePolicy } from './policy';

describe('compliance prerequisites', () => {
  const ai = (compliance: Record<string, unknown>) => ({ domain: 'ai', compliance });

  it('asks each pilot only for what concerns it, by the gate’s defaults', () => {
    expect(missingPrerequisites({ domain: 'blockchain', compliance: {} }, 'fund')).toEqual([]);
    expect(missingPrerequisites(ai({}), 'fund').map((m) => m.field)).toEqual(['aiActClass']);
    expect(missingPrerequisites(ai({ aiActClass: 'limited' }), 'test')).toEqual([]);
    expect(missingPrerequisites(ai({ aiActClass: 'high-risk' }), 'test').map((m) => m.field)).toEqual(['friaRef']);
    expect(missingPrerequisites(ai({ aiActClass: 'high-risk', testingOutsideSandbox: true }), 'test').map((m) => m.field)).toEqual(['friaRef', 'realWorldTestingPlanRef']);
    expect(missingPrerequisites({ domain: 'drones', compliance: {} }, 'accelerate').map((m) => m.field)).toEqual(['securityAccreditationRef']);
  });

  it('follows the policy when it names the prerequisites', () => {
    expect(missingPrerequisites(ai({ aiActClass: 'high-risk' }), 'test', [])).toEqual([]);
    expect(missingPrerequisites({ domain: 'drones', compliance: {} }, 'fund', ['securityAccreditationRef']).map((m) => m.field)).toEqual(['securityAccreditationRef']);
    expect(DEFAULT_PREREQUISITES.fund).toEqual(['aiActClass']);
  });

  it('is policy data: validated, deduplicated, kept only when given', () => {
    expect(validatePolicy(defaultPolicy())).not.toHaveProperty('prerequisites');
    expect(validatePolicy({ ...defaultPolicy(), prerequisites: ['friaRef', 'friaRef'] }).prerequisites).toEqual(['friaRef']);
    expect(() => validatePolicy({ ...defaultPolicy(), prerequisites: ['horoscope'] as never })).toThrow(/Gate policy is invalid/);
  });
});
