import { DomainError, FieldProblem } from './errors';
import type { Gate } from './stages';

/** The EU AI Act's risk classes (Art. 5 prohibited practices, Art. 6 high-risk, Art. 50 limited). */
export const AI_ACT_CLASSES = ['minimal', 'limited', 'high-risk', 'prohibited'] as const;
export type AiActClass = (typeof AI_ACT_CLASSES)[number];

/** Domains whose pilots must be classified under the AI Act. */
export const AI_ACT_DOMAINS: readonly string[] = ['ai', 'biometrics'];

/** A pilot's compliance references (documents held elsewhere; LabGate keeps their references). */
export interface Compliance {
  aiActClass?: AiActClass | null;
  /** Fundamental-rights impact assessment (AI Act Art. 27). */
  friaRef?: string | null;
  /** Plan for testing in real-world conditions outside a sandbox (AI Act Art. 60). */
  realWorldTestingPlanRef?: string | null;
  /** Whether the pilot's testing stage runs outside a regulatory sandbox. */
  testingOutsideSandbox?: boolean;
  securityAccreditationRef?: string | null;
}

export const COMPLIANCE_FIELDS = ['aiActClass', 'friaRef', 'realWorldTestingPlanRef', 'testingOutsideSandbox', 'securityAccreditationRef'] as const;

/** The prerequisites a gate policy may require (each applies only to the pilots it concerns). */
export const PREREQUISITES = ['aiActClass', 'friaRef', 'realWorldTestingPlanRef', 'securityAccreditationRef'] as const;
export type Prerequisite = (typeof PREREQUISITES)[number];

/** What a gate requires when its policy does not say (DESIGN §4b). */
export const DEFAULT_PREREQUISITES: Readonly<Record<Gate, readonly Prerequisite[]>> = Object.freeze({
  fund: Object.freeze(['aiActClass'] as const),
  test: Object.freeze(['aiActClass', 'friaRef', 'realWorldTestingPlanRef'] as const),
  accelerate: Object.freeze(['aiActClass', 'securityAccreditationRef'] as const),
});

/** A prohibited AI practice is refused outright, at creation and at every edit. */
export function checkNotProhibited(compliance: Compliance): void {
  if (compliance.aiActClass === 'prohibited') {
    throw new DomainError('COMPLIANCE.PROHIBITED', 'A pilot classified as a prohibited AI practice (AI Act Art. 5) cannot be run by the lab', [
      { field: 'aiActClass', message: 'prohibited practices are refused' },
    ]);
  }
}

/**
 * What a submission to `gate` still lacks of what the gate's policy requires (by default, DESIGN
 * §4b: the AI-Act class of an `ai` or `biometrics` pilot at every gate; for a high-risk one, the
 * fundamental-rights impact assessment before `test`, and the real-world testing plan when it
 * tests outside a sandbox; a security accreditation before `accelerate`). The personal-data DPIA
 * is checked at every edit.
 */
export function missingPrerequisites(pilot: { domain: string; compliance: Compliance }, gate: Gate, required: readonly Prerequisite[] = DEFAULT_PREREQUISITES[gate]): FieldProblem[] {
  const c = pilot.compliance;
  const missing: FieldProblem[] = [];
  const highRisk = c.aiActClass === 'high-risk';
  if (required.includes('aiActClass') && AI_ACT_DOMAINS.includes(pilot.domain) && !c.aiActClass) {
    missing.push({ field: 'aiActClass', message: `an ${pilot.domain} pilot needs its AI Act classification before the ${gate} gate` });
  }
  if (required.includes('friaRef') && highRisk && !c.friaRef) {
    missing.push({ field: 'friaRef', message: `a high-risk AI pilot needs a fundamental-rights impact assessment before the ${gate} gate` });
  }
  if (required.includes('realWorldTestingPlanRef') && highRisk && c.testingOutsideSandbox && !c.realWorldTestingPlanRef) {
    missing.push({ field: 'realWorldTestingPlanRef', message: 'a high-risk AI pilot tested outside a sandbox needs a real-world testing plan' });
  }
  if (required.includes('securityAccreditationRef') && !c.securityAccreditationRef) {
    missing.push({ field: 'securityAccreditationRef', message: `a security accreditation is needed before the ${gate} gate` });
  }
  return missing;
}

export function requirePrerequisites(pilot: { domain: string; compliance: Compliance }, gate: Gate, required?: readonly Prerequisite[]): void {
  const missing = missingPrerequisites(pilot, gate, required);
  if (missing.length > 0) {
    throw new DomainError('COMPLIANCE.PREREQUISITES_MISSING', `The ${gate} gate needs: ${missing.map((m) => m.field).join(', ')}`, missing);
  }
}
