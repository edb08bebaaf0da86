/** The words of a pilot proposal: technology domains and DARPA's Heilmeier catechism. */
export const PILOT_DOMAINS = ['ai', 'blockchain', 'drones', 'quantum', 'biometrics', 'cyber', 'data-space', 'other'] as const;
export type PilotDomain = (typeof PILOT_DOMAINS)[number];

/** A mid-term or final exam a gate checks: what is measured, the target, and when. */
export interface Exam {
  name: string;
  metric: string;
  target: string;
  dueBy: string;
}

/** DARPA's Heilmeier catechism, kept as structured text. */
export interface Heilmeier {
  objective: string;
  currentPractice: string;
  novelty: string;
  impact: string;
  risks: string;
  cost: string;
  schedule: string;
  exams: Exam[];
}
