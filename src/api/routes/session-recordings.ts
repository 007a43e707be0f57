// Terminal recordings of a session (asciicast v2: SSH exec and shell channels, written by the SSH engine
// under <store.dir>/recordings/ssh/<session>/; Kubernetes exec and attach streams, by the Kubernetes engine
// under <store.dir>/recordings/kubernetes/<session>/): listed and read by whoever may see the session (core's
// getSession decides), for the console's terminal player. The directory is the session's protocol's (only
// those two), and names are checked against the engines' own pattern before any path is built, so nothing
// outside that directory is readable.
import { readdir, readFile, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { z } from 'zod'
import { TaskgateError } from '../../core/index.ts'
import { defineRoute } from '../route-spec.ts'
import { idParams } from './query.ts'

const RECORDING_NAME = /^(\d{1,12})-(exec|shell|attach)\.cast$/
const SESSION_ID = /^[A-Za-z0-9_-]{1,64}$/
/** Largest recording served at once (a session's cap defaults to 64 MiB). */
const MAX_SERVED_BYTES = 256 * 1024 * 1024

const recordingDto = z.object({
  name: z.string(),
  kind: z.enum(['exec', 'shell', 'attach']),
  seq: z
    .number()
    .int()
    .describe('the action (exec command, shell start, Kubernetes exec or attach) the recording belongs to'),
  bytes: z.number().int(),
})

/** Protocols whose engines write terminal recordings (the directory under recordings/ is the name). */
const RECORDING_PROTOCOLS = new Set(['ssh', 'kubernetes'])

function directoryOf(storeDir: string, protocol: string, sessionId: string): string | undefined {
  if (!SESSION_ID.test(sessionId)) throw new TaskgateError('TG_NOT_FOUND')
  return RECORDING_PROTOCOLS.has(protocol) ? join(storeDir, 'recordings', protocol, sessionId) : undefined
}

export const sessionRecordingRoutes = [
  defineRoute({
    method: 'GET',
    url: '/v1/sessions/:id/recordings',
    operationId: 'listSessionRecordings',
    summary:
      "A session's terminal recordings (SSH exec and shell channels, Kubernetes exec and attach; asciicast v2)",
    tag: 'sessions',
    params: idParams,
    responses: {
      200: { description: 'recordings in order', schema: z.object({ recordings: z.array(recordingDto) }) },
    },
    handler: async ({ core, principal, params }) => {
      const { session } = await core.getSession(principal, params.id)
      const dir = directoryOf(core.config.store.dir, session.protocol, params.id)
      if (!dir) return { recordings: [] }
      const names = await readdir(dir).catch(() => [] as string[])
      const recordings = await Promise.all(
        names.flatMap((name) => {
          const match = RECORDING_NAME.exec(name)
          if (!match) return []
          return [
            stat(join(dir, name)).then((s) => ({
              name,
              kind: match[2] as 'exec' | 'shell' | 'attach',
              seq: Number(match[1]),
              bytes: s.size,
            })),
          ]
        }),
      )
      return { recordings: recordings.sort((a, b) => a.seq - b.seq) }
    },
  }),
  defineRoute({
    method: 'GET',
    url: '/v1/sessions/:id/recordings/:name',
    operationId: 'getSessionRecording',
    summary: 'One terminal recording of a session, as asciicast v2 text',
    tag: 'sessions',
    params: z.object({ id: z.string().min(1).max(200), name: z.string().regex(RECORDING_NAME) }),
    responses: {
      200: { description: 'the recording', schema: z.object({ name: z.string(), cast: z.string() }) },
    },
    handler: async ({ core, principal, params }) => {
      const { session } = await core.getSession(principal, params.id)
      const dir = directoryOf(core.config.store.dir, session.protocol, params.id)
      if (!dir) throw new TaskgateError('TG_NOT_FOUND')
      const file = join(dir, params.name)
      const size = await stat(file).then(
        (s) => s.size,
        () => {
          throw new TaskgateError('TG_NOT_FOUND')
        },
      )
      if (size > MAX_SERVED_BYTES)
        throw new TaskgateError('TG_REQUEST_INVALID', { message: 'recording too large' })
      return { name: params.name, cast: await readFile(file, 'utf8') }
    },
  }),
]
