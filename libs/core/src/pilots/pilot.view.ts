import type { AiActClass, Heilmeier, PilotDomain, Sensitivity, Stage } from '@labgate/domain';
import type { PilotRow } from '@labgate/persistence';

export interface PilotView {
  id: string;
  code: string;
  title: string;
  summary: string;
  domain: PilotDomain;
  stage: Stage;
  leadAgency: string;
  leadId: string;
  partnerAgencies: string[];
  programmeId: string;
  trl: { current: number; target: number };
  budgetRequestedCents: number;
  committedCents: number;
  spentCents: number;
  personalData: boolean;
  dpiaRef: string | null;
  sensitivity: Sensitivity;
  heilmeier: Heilmeier;
  /** AI Act class (ai and biometrics pilots) and the compliance documents' references. */
  aiActClass: AiActClass | null;
  friaRef: string | null;
  realWorldTestingPlanRef: string | null;
  testingOutsideSandbox: boolean;
  securityAccreditationRef: string | null;
  lessonsLearned: string | null;
  version: number;
  stageEnteredAt: string;
  createdAt: string;
  updatedAt: string;
}

export function toPilotView(r: PilotRow): PilotView {
  return {
    id: r.id,
    code: r.code,
    title: r.title,
    summary: r.summary,
    domain: r.domain,
    stage: r.stage,
    leadAgency: r.lead_agency,
    leadId: r.lead_id,
    partnerAgencies: r.partner_agencies,
    programmeId: r.programme_id,
    trl: { current: r.trl_current, target: r.trl_target },
    budgetRequestedCents: Number(r.budget_requested_cents),
    committedCents: Number(r.committed_cents),
    spentCents: Number(r.spent_cents),
    personalData: r.personal_data,
    dpiaRef: r.dpia_ref,
    sensitivity: r.sensitivity,
    heilmeier: r.heilmeier,
    aiActClass: r.compliance?.aiActClass ?? null,
    friaRef: r.compliance?.friaRef ?? null,
    realWorldTestingPlanRef: r.compliance?.realWorldTestingPlanRef ?? null,
    testingOutsideSandbox: r.compliance?.testingOutsideSandbox ?? false,
    securityAccreditationRef: r.compliance?.securityAccreditationRef ?? null,
    lessonsLearned: r.lessons_learned,
    version: r.version,
    stageEnteredAt: r.stage_entered_at.toISOString(),
    createdAt: r.created_at.toISOString(),
    updatedAt: r.updated_at.toISOString(),
  };
}

/** Strong validator of a pilot's representation: its version. */
export function pilotEtag(version: number): string {
  return `"${version}"`;
}
