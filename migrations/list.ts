import { Foundation1763776800000 } from './1763776800000-Foundation';
import { ReviewWorkflow1763776900000 } from './1763776900000-ReviewWorkflow';
import { PilotCodeCounters1763777000000 } from './1763777000000-PilotCodeCounters';
import { TokenLifecycle1763777100000 } from './1763777100000-TokenLifecycle';
import { PortfolioHistory1763777200000 } from './1763777200000-PortfolioHistory';
import { WebhookSecrets1763777300000 } from './1763777300000-WebhookSecrets';
import { TransparencyLog1763777400000 } from './1763777400000-TransparencyLog';
import { Compliance1763777500000 } from './1763777500000-Compliance';
import { ComplianceBlocks1763777600000 } from './1763777600000-ComplianceBlocks';
import { CancelledEmptySeats1763777700000 } from './1763777700000-CancelledEmptySeats';
import { ReportFacts1763777800000 } from './1763777800000-ReportFacts';
import { ReportRefreshByFamily1763777900000 } from './1763777900000-ReportRefreshByFamily';
import { ReportRefreshQueued1763778000000 } from './1763778000000-ReportRefreshQueued';

/** Every migration, in order. Listed explicitly so the build needs no glob at run time. */
export const MIGRATIONS = [Foundation1763776800000, ReviewWorkflow1763776900000, PilotCodeCounters1763777000000, TokenLifecycle1763777100000, PortfolioHistory1763777200000, WebhookSecrets1763777300000, TransparencyLog1763777400000, Compliance1763777500000, ComplianceBlocks1763777600000, CancelledEmptySeats1763777700000, ReportFacts1763777800000, ReportRefreshByFamily1763777900000, ReportRefreshQueued1763778000000];
