import { TaskgateError } from '../core/index.ts'

const CAUSES: Record<string, { cause: string; fix: string }> = {
  EADDRINUSE: { cause: 'is in use', fix: 'stop what listens there or choose another port' },
  EACCES: {
    cause: 'needs privileges this process lacks',
    fix: 'choose a port above 1024 or grant the process CAP_NET_BIND_SERVICE',
  },
  EADDRNOTAVAIL: {
    cause: 'is not an address of this machine',
    fix: 'listen on one of its addresses (0.0.0.0 for all)',
  },
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
  const known = code ? CAUSES[code] : undefined
  if (!known) return error
  const key = code === 'EADDRNOTAVAIL' ? where.key.replace(/\.port$/, '.host') : where.key
  const value = `${code === 'EADDRNOTAVAIL' ? where.host : where.port} ${where.what}`
  return new TaskgateError('TG_CONFIG_INVALID', {
    message:
      code === 'EADDRNOTAVAIL'
        ? `${key} ${value} ${known.cause}; ${known.fix} in the configuration.`
        : `${key} ${value} ${known.cause} on ${where.host}; ${known.fix} in the configuration.`,
    cause: error,
  })
}
