export const SENSITIVITIES = ['public', 'limited', 'restricted'] as const;
export type Sensitivity = (typeof SENSITIVITIES)[number];

export const ROLES = ['lead', 'reviewer', 'dpo', 'chair', 'funder', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export interface PilotViewer {
  agency: string;
  roles: Role[];
  /** Holds an assignment (any seat, any round) on one of the pilot's gate reviews. */
  assignedToPilot: boolean;
}

export interface VisiblePilot {
  sensitivity: Sensitivity;
  leadAgency: string;
  partnerAgencies: string[];
}

export function isInvolvedAgency(agency: string, pilot: Pick<VisiblePilot, 'leadAgency' | 'partnerAgencies'>): boolean {
  return pilot.leadAgency === agency || pilot.partnerAgencies.includes(agency);
}

/**
 * Admin is deliberately absent from every rule: operating the system grants no sight of
 * pilots. Funders see restricted pilots only as counts and money in reports, never here.
 * Unknown sensitivities are treated as restricted so a bad row fails closed.
 */
export function canSeePilot(viewer: PilotViewer, pilot: VisiblePilot): boolean {
  if (pilot.sensitivity === 'public') return true;
  if (isInvolvedAgency(viewer.agency, pilot) || viewer.assignedToPilot || viewer.roles.includes('chair')) {
    return true;
  }
  return pilot.sensitivity === 'limited' && viewer.roles.includes('funder');
}
