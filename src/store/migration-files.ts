// Both backends keep their schema as ordered SQL files `NNN-name.sql`; version NNN is applied once.
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'

export interface Migration {
  version: number
  name: string
  sql: string
}

const FILE_NAME = /^(\d{3})-([a-z0-9-]+)\.sql$/

export function readMigrations(dir: string): Migration[] {
  const migrations: Migration[] = []
  for (const file of readdirSync(dir).sort()) {
    const m = FILE_NAME.exec(file)
    if (!m) continue
    migrations.push({ version: Number(m[1]), name: m[2]!, sql: readFileSync(join(dir, file), 'utf8') })
  }
  migrations.forEach((migration, i) => {
    if (migration.version !== i + 1) {
      throw new Error(
        `migrations in ${dir} must be numbered 001, 002, ... without gaps; found ${migration.version}`,
      )
    }
  })
  return migrations
}
