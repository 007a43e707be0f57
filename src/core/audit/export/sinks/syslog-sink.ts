// Syslog over TCP or TLS. Syslog has no acknowledgement, so each batch gets its own connection: the frames,
// then our FIN, and the batch counts as delivered only when the receiver closes its side after reading to
// the end (rsyslog's imtcp does on EOF). A receiver that dies first resets the connection: the batch is
// sent again (at least once). What the receiver read but had not stored when it died is its own queue's
// durability (rsyslog: a disk-assisted or direct main queue).
import { connect as connectTcp, isIP, type Socket } from 'node:net'
import { hostname } from 'node:os'
import { connect as connectTls } from 'node:tls'
import type { AuditEntry } from '../../events.ts'
import { type AuditSink, SinkDeliveryError } from '../audit-sink.ts'
import { formatSyslogMessage, frameOctetCounted, type SyslogOptions } from '../syslog-formatter.ts'

export interface SyslogSinkOptions {
  id: string
  batchSize: number
  host: string
  port: number
  transport: 'tcp' | 'tls'
  tls?: { ca?: string; cert?: string; key?: string; serverName?: string }
  facility: number
  appName: string
  enterpriseId: string
  timeoutMs: number
}

export function createSyslogSink(options: SyslogSinkOptions): AuditSink {
  const format: SyslogOptions = {
    facility: options.facility,
    appName: options.appName,
    enterpriseId: options.enterpriseId,
    hostName: hostname(),
    procId: String(process.pid),
  }
  let current: Socket | undefined
  return {
    id: options.id,
    kind: 'syslog',
    batchSize: options.batchSize,
    async deliver(entries: readonly AuditEntry[]) {
      const frames = Buffer.concat(entries.map((e) => frameOctetCounted(formatSyslogMessage(e, format))))
      const socket = open(options)
      current = socket
      try {
        await sendAndAwaitClose(socket, frames, options.timeoutMs)
      } finally {
        current = undefined
      }
    },
    async close() {
      current?.destroy()
    },
  }
}

function open(options: SyslogSinkOptions): Socket {
  if (options.transport === 'tcp') return connectTcp({ host: options.host, port: options.port })
  const tls = options.tls ?? {}
  return connectTls({
    host: options.host,
    port: options.port,
    // SNI carries names only (RFC 6066 §3); an IP host is still checked against the certificate's IP SANs.
    ...(tls.serverName || !isIP(options.host) ? { servername: tls.serverName ?? options.host } : {}),
    ...(tls.ca ? { ca: tls.ca } : {}),
    ...(tls.cert && tls.key ? { cert: tls.cert, key: tls.key } : {}),
  })
}

function sendAndAwaitClose(socket: Socket, frames: Buffer, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    let failed: Error | undefined
    const timer = setTimeout(() => {
      failed = new SinkDeliveryError(`no close from the receiver within ${timeoutMs} ms`)
      socket.destroy()
    }, timeoutMs)
    socket.setNoDelay(true)
    socket.once('error', (error) => {
      failed ??= error
    })
    // Whatever the receiver sends back is not part of syslog; read it so its close can arrive.
    socket.on('data', () => {})
    // 'finish': every frame and our FIN went out; a close before it means the receiver did not read them.
    let sent = false
    socket.once('finish', () => {
      sent = true
    })
    socket.once('close', () => {
      clearTimeout(timer)
      if (failed) reject(failed)
      else if (!sent) reject(new SinkDeliveryError('the receiver closed before the batch was sent'))
      else resolve()
    })
    socket.end(frames)
  })
}
