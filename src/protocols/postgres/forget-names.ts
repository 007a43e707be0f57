// Forgetting names in the small per-session maps of statements and portals that change at every
// transaction. The unnamed statement and portal ('') are most clients' only ones (pgbench, node-postgres,
// pgjdbc's unnamed statements): each transaction sets '' and each ReadyForQuery or Sync forgets it again.
// Deleting a map's last entry shrinks its table, a runtime call that allocates a new one (≈ 200 ns; the next
// set then finds room again), so '' is kept with the value undefined, which every reader of these maps takes
// as "absent". Only '' is kept: any other name is deleted, so no map holds more than one stale entry and
// every bound on these maps still counts what they hold.

/** Forgets `name` in a map whose readers take an undefined value as no entry. */
export function forgetName<V>(map: Map<string, V | undefined>, name: string): void {
  if (name === '') {
    if (map.get('') !== undefined) map.set('', undefined)
  } else map.delete(name)
}

/** Forgets every name in a map emptied once or more per transaction and usually holding no name or one or
 * two: a small one's names are forgotten one by one, since clear() allocates a new table each time (a
 * delete only marks its entry; the table is rebuilt once deleted entries fill it). Measured with
 * bench/pg-session-micro.ts, extended mode: clear() whenever non-empty was 12–23 % slower. */
export function forgetNames<V>(map: Map<string, V | undefined>): void {
  if (map.size > 4) map.clear()
  else if (map.size > 0) for (const key of map.keys()) forgetName(map, key)
}
