import Database from 'better-sqlite3';

/** Rows in the gateway's usage ledger after the run: proof that metering and ledger writes were on. */
export function ledgerRows(sqlitePath) {
  try {
    const db = new Database(sqlitePath, { readonly: true, fileMustExist: true });
    try {
      return db.prepare('SELECT COUNT(*) AS n FROM usage_ledger').get().n;
    } finally {
      db.close();
    }
  } catch (error) {
    return `unreadable: ${error.message}`;
  }
}
