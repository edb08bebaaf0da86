import request from 'supertest';
import { TestDb } from './db';

export interface TestApi {
  http: ReturnType<typeof request>;
  url: string;
  db: TestDb;
  adminToken: string;
  close(): Promise<void>;
}

/** The run's API process (started once by the global setup) and its database. */
export async function startApi(): Promise<TestApi> {
  const url = process.env.API_URL!;
  const db = new TestDb();
  return { http: request(url), url, db, adminToken: process.env.BOOTSTRAP_ADMIN_TOKEN!, close: () => db.end() };
}
