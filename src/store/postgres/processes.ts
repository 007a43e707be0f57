import type { GatewayProcess, ProcessStore } from '../store.ts'
import type { PgDatabase } from './database.ts'

interface ProcessRow {
  id: string
  host: string
  pid: number
  started_at: Date
  heartbeat_at: Date
}

export function createProcessStore(db: PgDatabase): ProcessStore {
  return {
    async beat(p) {
      await db.query({
        name: 'tg.processes.beat',
        text: `INSERT INTO taskgate.gateway_processes (id, host, pid, started_at, heartbeat_at)
          VALUES ($1, $2, $3, $4, $5) ON CONFLICT (id) DO UPDATE SET heartbeat_at = excluded.heartbeat_at`,
        values: [p.id, p.host, p.pid, p.startedAt, p.heartbeatAt],
      })
    },
    async list() {
      const { rows } = await db.query<ProcessRow>({
        name: 'tg.processes.list',
        text: 'SELECT * FROM taskgate.gateway_processes ORDER BY started_at',
      })
      return rows.map(toProcess)
    },
    async remove(id) {
      await db.query({
        name: 'tg.processes.remove',
        text: 'DELETE FROM taskgate.gateway_processes WHERE id = $1',
        values: [id],
      })
    },
  }
}

function toProcess(row: ProcessRow): GatewayProcess {
  return {
    id: row.id,
    host: row.host,
    pid: row.pid,
    startedAt: row.started_at,
    heartbeatAt: row.heartbeat_at,
  }
}
