import { AppError } from './app-error';

/** A pilot that does not exist and one the caller may not see look the same: 404, never 403. */
export function pilotNotFound(id: string): AppError {
  return new AppError('PILOT.NOT_FOUND', `Pilot ${id} does not exist or is not visible to you`);
}
