/**
 * The OpenAPI operationIds, one per handler, named as a client would call them (DESIGN §5:
 * `createPilot`, `castVote`…). Keyed by `Controller.method`; a handler missing here fails the
 * document's test rather than falling back to a generated name.
 */
export const OPERATION_IDS: Record<string, string> = {
  'HealthController.live': 'getLiveness',
  'HealthController.ready': 'getReadiness',
  'MeController.me': 'getMe',
  'MeController.rotateToken': 'rotateOwnToken',
  'MeController.assignments': 'listMyAssignments',
  'MeController.inbox': 'listMyNotifications',
  'AgenciesController.create': 'createAgency',
  'AgenciesController.list': 'listAgencies',
  'UsersController.create': 'createUser',
  'UsersController.list': 'listUsers',
  'UsersController.revokeTokens': 'revokeUserTokens',
  'UsersController.deactivate': 'deactivateUser',
  'ProgrammesController.create': 'createProgramme',
  'ProgrammesController.list': 'listProgrammes',
  'ProgrammesController.get': 'getProgramme',
  'PilotsController.create': 'createPilot',
  'PilotsController.list': 'listPilots',
  'PilotsController.get': 'getPilot',
  'PilotsController.update': 'updatePilot',
  'PilotsController.withdraw': 'withdrawPilot',
  'PilotsController.submit': 'submitToGate',
  'PilotsController.gateReviews': 'listPilotGateReviews',
  'PilotsController.reportExpenditure': 'reportExpenditure',
  'PilotsController.listExpenditures': 'listExpenditures',
  'PilotsController.auditTrail': 'listAuditEvents',
  'PilotsController.verifyAudit': 'verifyAuditChain',
  'GateReviewsController.get': 'getGateReview',
  'GateReviewsController.vote': 'castVote',
  'GateReviewsController.decide': 'decideEscalatedReview',
  'AssignmentsController.decline': 'declineAssignment',
  'AssignmentsController.reassign': 'reassignAssignment',
  'GatePoliciesController.get': 'getGatePolicy',
  'GatePoliciesController.put': 'putGatePolicy',
  'WebhooksController.create': 'createWebhook',
  'WebhooksController.list': 'listWebhooks',
  'WebhooksController.rotate': 'rotateWebhookSecret',
  'WebhooksController.remove': 'deleteWebhook',
  'WebhooksController.redeliver': 'redeliverWebhookDelivery',
  'WebhooksController.deliveries': 'listWebhookDeliveries',
  'ReportsController.portfolio': 'getPortfolioReport',
  'ReportsController.chart': 'getPortfolioChart',
  'MetricsController.scrape': 'getMetrics',
  'TransparencyController.key': 'getTransparencyKey',
  'TransparencyController.checkpoint': 'getCheckpoint',
  'TransparencyController.consistency': 'getConsistencyProof',
  'ProofsController.decision': 'getDecisionProof',
  'ProofsController.event': 'getAuditEventProof',
};

export function operationIdFor(controllerKey: string, methodKey: string): string {
  return OPERATION_IDS[`${controllerKey}.${methodKey}`] ?? `${controllerKey}_${methodKey}`;
}
