import { TaskgateError } from '../core/index.ts'

const CAUSES: Record<string, string> = {
  EADDRINUSE: 'is in use',
  EACCES: 'needs privileges this process lacks (ports below 1024)',
  EADDRNOTAVAIL: 'names an address this machine does not have',
}

/**
 * A listener that cannot bind is a configuration problem the operator fixes in one key, not an internal
 * error: `resources[0].listen.port 15432 of resource app-db is in use on 127.0.0.1`. Other errors pass through.
 */
export function listenFailure(
  error: unknown,
  where: { key: string; what: string; host: string; port: number },
): unknown {
  const code = (error as NodeJS.ErrnoException | undefined)?.code
  const cause = code ? CAUSES[code] : undefined
  if (!cause) return error
  const key = code === 'EADDRNOTAVAIL' ? where.key.replace(/\.port$/, '.host') : where.key
  const value = code === 'EADDRNOTAVAIL' ? where.host : `${where.port} ${where.what}`
  return new TaskgateError('TG_CONFIG_INVALID', {
    message: `${key} ${value} ${cause} on ${where.host}; stop what listens there or choose another port in the configuration.`,
    cause: error,
  })
}
