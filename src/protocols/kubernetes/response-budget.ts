// The exfiltration budget on what the API server answers (issue 16): each chunk of a response relayed as it
// is counted in bytes through the kit's ResultBudget; a hold or an end stops the relay mid-body (unpiped, so
// the client's drains cannot restart it) until a person decides or core's close arrives. An answer rewritten
// to hide objects or Secret values (rewrite-body.ts) is not counted.
import type { Readable, Writable } from 'node:stream'
import type { Logger } from 'pino'
import type { SessionHandle } from '../../core/index.ts'
import { ResultBudget } from '../kit/result-budget.ts'

/** Pipes `from` to `to`, counting its bytes against the session's budget. */
export function pipeCounted(
  from: Readable,
  to: Writable,
  session: { handle: SessionHandle; logger: Logger },
): void {
  const counter = new ResultBudget({
    handle: session.handle,
    logger: session.logger,
    pause: () => {
      from.unpipe(to)
      from.pause()
    },
    resume: () => void from.pipe(to),
  })
  from.on('data', (chunk: Buffer) => counter.count({ bytes: chunk.length }))
  from.pipe(to)
}
