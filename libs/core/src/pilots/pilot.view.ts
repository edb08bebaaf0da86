import type { Sensitivity, Stage } from '@labgate/domain';
import type { Heilmeier, PilotDomain } from '@labgate/persistence';

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
  lessonsLearned: string | null;
  version: number;
  stageEnteredAt: string;
  createdAt: string;
  updatedAt: string;
}

export interface PilotRow {
  id: string;
  code: string;
  title: string;
  summary: string;
  domain: PilotDomain;
  stage: Stage;
  lead_agency: string;
  lead_id: string;
  partner_agencies: string[];
  programme_id: string;
  trl_current: number;
  trl_target: number;
  budget_requested_cents: string;
  committed_cents: string;
  spent_cents: string;
  personal_data: boolean;
  dpia_ref: string | null;
  sensitivity: Sensitivity;
  heilmeier: Heilmeier;
  lessons_learned: string | null;
  version: number;
  stage_entered_at: Date;
  created_at: Date;
  updated_at: Date;
}

export const PILOT_COLUMNS = [
  'id', 'code', 'title', 'summary', 'domain', 'stage', 'lead_agency', 'lead_id', 'partner_agencies', 'programme_id',
  'trl_current', 'trl_target', 'budget_requested_cents', 'committed_cents', 'spent_cents', 'personal_data', 'dpia_ref',
  'sensitivity', 'heilmeier', 'lessons_learned', 'version', 'stage_entered_at', 'created_at', 'updated_at',
];

export function pilotColumns(alias: string): string {
  return PILOT_COLUMNS.map((c) => `${alias}.${c}`).join(', ');
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
