import type { GatewayProcess, ProcessStore } from '../store.ts'
import { type EmbeddedDatabase, guarded } from './database.ts'
import { date, type Row, text } from './values.ts'

export function createProcessStore(db: EmbeddedDatabase): ProcessStore {
  const beat = db.statement(`INSERT INTO gateway_processes (id, host, pid, started_at, heartbeat_at)
    VALUES (?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET heartbeat_at = excluded.heartbeat_at`)
  const list = db.statement('SELECT * FROM gateway_processes ORDER BY started_at')
  const remove = db.statement('DELETE FROM gateway_processes WHERE id = ?')
  return {
    beat: (p) =>
      guarded(() => {
        beat.run(p.id, p.host, p.pid, p.startedAt.getTime(), p.heartbeatAt.getTime())
      }),
    list: () => guarded(() => list.all().map(toProcess)),
    remove: (id) =>
      guarded(() => {
        remove.run(id)
      }),
  }
}

function toProcess(row: Row): GatewayProcess {
  return {
    id: text(row.id),
    host: text(row.host),
    pid: Number(row.pid),
    startedAt: date(row.started_at),
    heartbeatAt: date(row.heartbeat_at),
  }
}
