import type { Insertable, Kysely, Selectable } from 'kysely';
import type { Database, Store } from './database.js';
import { DEFAULT_DATA_POLICY, policyFromJson } from './tenancy-repository.js';

/** Longest stored request body, in UTF-8 bytes; a longer one is cut and flagged `truncated`. */
export const REQUEST_LOG_MAX_BYTES = 64 * 1024;

/** Rows per INSERT: 8 columns × 100 rows stays far below SQLite's and PostgreSQL's parameter caps. */
const ROWS_PER_INSERT = 100;

const DAY_MS = 86_400_000;

export type RequestLogInsert = Insertable<Database['request_logs']>;
export type RequestLogRow = Selectable<Database['request_logs']>;

export interface RequestLogQuery {
  /** Only this team's rows (team keys always pass their own team). */
  teamId?: string;
  /** ISO time, inclusive. */
  from?: string;
  /** ISO time, exclusive. */
  to?: string;
  /** Rows at most (newest first). */
  limit: number;
}

/**
 * The request log (table `request_logs`, migration 4) over Kysely: the same queries on SQLite and
 * PostgreSQL. Rows are written in batches by tenancy/request-log.ts; read newest first, per team or
 * across teams; and purged per team after its data policy's `retention_days`.
 */
export class SqlRequestLogStore {
  private readonly db: Kysely<Database>;

  constructor(store: Pick<Store, 'db'>) {
    this.db = store.db;
  }

  /** Inserts the rows in one transaction: all land or none do. */
  async insert(rows: readonly RequestLogInsert[]): Promise<void> {
    if (rows.length === 0) return;
    await this.db.transaction().execute(async (trx) => {
      for (let i = 0; i < rows.length; i += ROWS_PER_INSERT) await trx.insertInto('request_logs').values(rows.slice(i, i + ROWS_PER_INSERT)).execute();
    });
  }

  /** Rows over [from, to), newest first (ties by id), at most `limit`. */
  async list(query: RequestLogQuery): Promise<RequestLogRow[]> {
    let select = this.db.selectFrom('request_logs').selectAll();
    if (query.teamId !== undefined) select = select.where('team_id', '=', query.teamId);
    if (query.from !== undefined) select = select.where('created_at', '>=', query.from);
    if (query.to !== undefined) select = select.where('created_at', '<', query.to);
    const rows = await select.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(query.limit).execute();
    return rows.map((row) => ({ ...row, id: Number(row.id), status: Number(row.status), truncated: Number(row.truncated) }));
  }

  /**
   * Deletes every team's rows older than its data policy's retention_days (whether or not it still
   * logs prompts), and rows of teams that no longer exist after the default retention. Idempotent:
   * every replica of a fleet may run it. Returns how many rows went.
   */
  async purgeExpired(now: Date = new Date()): Promise<number> {
    const teams = await this.db.selectFrom('teams').select(['id', 'policy']).execute();
    const cutoff = (days: number) => new Date(now.getTime() - days * DAY_MS).toISOString();
    let deleted = 0;
    for (const team of teams) {
      let days: number = DEFAULT_DATA_POLICY.retentionDays;
      try {
        days = policyFromJson(team.policy).dataPolicy.retentionDays;
      } catch {
        // An unreadable stored policy (hand-edited row): the default retention applies.
      }
      const result = await this.db.deleteFrom('request_logs').where('team_id', '=', team.id).where('created_at', '<', cutoff(days)).executeTakeFirst();
      deleted += Number(result.numDeletedRows);
    }
    const orphans = await this.db
      .deleteFrom('request_logs')
      .where('created_at', '<', cutoff(DEFAULT_DATA_POLICY.retentionDays))
      .where('team_id', 'not in', this.db.selectFrom('teams').select('id'))
      .executeTakeFirst();
    return deleted + Number(orphans.numDeletedRows);
  }
}
