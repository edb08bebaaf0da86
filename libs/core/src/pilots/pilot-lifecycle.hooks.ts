import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { Principal } from '../common/principal';
import type { PilotView } from './pilot.view';

/**
 * Extension points the review workflow plugs into, so that pilot editing and withdrawal need not
 * know about gate reviews. Each runs inside the pilot's transaction, with its row locked.
 */
@Injectable()
export class PilotLifecycleHooks {
  async beforeEdit(_tx: EntityManager, _pilot: PilotView, _fields: string[]): Promise<void> {}

  async afterWithdraw(_tx: EntityManager, _pilot: PilotView, _by: Principal): Promise<void> {}
}
