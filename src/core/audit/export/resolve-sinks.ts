// The config's audit sinks turned into sinks: secrets read through `resolveSecret` (config/load.ts's, passed
// in), CA and certificate files read here, at start, so a missing file fails the start and not an export.
import { readFile } from 'node:fs/promises'
import type { AuditSinkConfig, SecretRef } from '../../../config/schema.ts'
import type { Clock } from '../../clock.ts'
import { TaskgateError } from '../../errors.ts'
import { parseDurationSeconds } from '../../grants/duration.ts'
import type { AuditSink } from './audit-sink.ts'
import { createJsonlSink } from './sinks/jsonl-sink.ts'
import { createOtlpSink } from './sinks/otlp-sink.ts'
import { createSyslogSink } from './sinks/syslog-sink.ts'
import { createWebhookSink } from './sinks/webhook-sink.ts'

type ResolveSecret = (ref: SecretRef, where: string) => Promise<string>

/** How long a syslog batch may take, connection to the receiver's close. */
const SYSLOG_TIMEOUT_MS = 30_000

async function readPem(path: string | undefined, where: string): Promise<string | undefined> {
  if (path === undefined) return undefined
  try {
    return await readFile(path, 'utf8')
  } catch (error) {
    throw new TaskgateError('TG_CONFIG_INVALID', {
      message: `${where}: cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? 'error'}).`,
      cause: error,
    })
  }
}

export async function resolveAuditSinks(
  configs: readonly AuditSinkConfig[],
  resolveSecret: ResolveSecret,
  clock: Clock,
): Promise<AuditSink[]> {
  const sinks: AuditSink[] = []
  for (const [i, config] of configs.entries())
    sinks.push(await resolveSink(config, `audit.sinks[${i}]`, resolveSecret, clock))
  return sinks
}

async function resolveSink(
  config: AuditSinkConfig,
  where: string,
  resolveSecret: ResolveSecret,
  clock: Clock,
): Promise<AuditSink> {
  const { id, batchSize } = config
  switch (config.kind) {
    case 'syslog': {
      const tls = config.tls
      const ca = await readPem(tls?.caFile, `${where}.tls.caFile`)
      const cert = await readPem(tls?.certFile, `${where}.tls.certFile`)
      const key = tls?.key ? await resolveSecret(tls.key, `${where}.tls.key`) : undefined
      return createSyslogSink({
        id,
        batchSize,
        host: config.host,
        port: config.port,
        transport: config.transport,
        tls: {
          ...(ca ? { ca } : {}),
          ...(cert ? { cert } : {}),
          ...(key ? { key } : {}),
          ...(tls?.serverName ? { serverName: tls.serverName } : {}),
        },
        facility: config.facility,
        appName: config.appName,
        enterpriseId: config.enterpriseId,
        timeoutMs: SYSLOG_TIMEOUT_MS,
      })
    }
    case 'webhook': {
      const ca = await readPem(config.caFile, `${where}.caFile`)
      return createWebhookSink({
        id,
        batchSize,
        maxAttempts: config.maxAttempts,
        url: config.url,
        secret: await resolveSecret(config.secret, `${where}.secret`),
        timeoutMs: parseDurationSeconds(config.timeout) * 1000,
        clock,
        ...(ca ? { ca } : {}),
      })
    }
    case 'otlp': {
      const ca = await readPem(config.caFile, `${where}.caFile`)
      const authorization = config.authorization
        ? await resolveSecret(config.authorization, `${where}.authorization`)
        : undefined
      return createOtlpSink({
        id,
        batchSize,
        maxAttempts: config.maxAttempts,
        url: config.url,
        timeoutMs: parseDurationSeconds(config.timeout) * 1000,
        clock,
        ...(ca ? { ca } : {}),
        ...(authorization ? { authorization } : {}),
      })
    }
    case 'jsonl':
      return createJsonlSink({
        id,
        batchSize,
        path: config.path,
        maxBytes: config.maxBytes,
        keep: config.keep,
      })
  }
}
