import { Injectable } from '@nestjs/common';
import { DataSource, In, MoreThan } from 'typeorm';
import { Tx } from './tx';
import { AgencyEntity } from '../entities/agency.entity';

/** The agencies taking part (seeded by a migration; admins add more). */
@Injectable()
export class AgenciesRepository {
  constructor(private readonly db: DataSource) {}

  async insert(tx: Tx, agency: { code: string; name: string }): Promise<void> {
    await tx.getRepository(AgencyEntity).insert(agency);
  }

  /** In code order after `afterCode`, one more than `size` to tell whether more follow. */
  async page(afterCode: string, size: number): Promise<Array<{ code: string; name: string }>> {
    return this.db.getRepository(AgencyEntity).find({ select: { code: true, name: true }, where: { code: MoreThan(afterCode) }, order: { code: 'ASC' }, take: size + 1 });
  }

  async find(code: string): Promise<{ code: string; name: string } | null> {
    return this.db.getRepository(AgencyEntity).findOne({ select: { code: true, name: true }, where: { code } });
  }

  async existingCodes(codes: string[]): Promise<string[]> {
    if (codes.length === 0) return [];
    const rows = await this.db.getRepository(AgencyEntity).find({ select: { code: true }, where: { code: In(codes) } });
    return rows.map((r) => r.code);
  }
}
