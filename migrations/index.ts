import { Foundation1763776800000 } from './1763776800000-Foundation';
import { ReviewWorkflow1763776900000 } from './1763776900000-ReviewWorkflow';

/** Every migration, in order. Listed explicitly so the build needs no glob at run time. */
export const MIGRATIONS = [Foundation1763776800000, ReviewWorkflow1763776900000];
