// `ssh -L` / `-D` (direct-tcpip channels): decided as `port-forward:LOGIN:HOST:PORT` (refused unless the
// grant names it: a forward to the target's own sshd would leave the recording behind), then opened by
// the target (forwardOut) and piped. Refusals are recorded.
import type { AcceptConnection, ClientChannel, RejectConnection, ServerChannel, TcpipRequestInfo } from 'ssh2'
import { classifySession } from './command/index.ts'
import type { SessionContext } from './session-context.ts'

export function serveForward(
  session: SessionContext,
  accept: AcceptConnection<ServerChannel>,
  reject: RejectConnection,
  info: TcpipRequestInfo,
): void {
  const detail = `${info.destIP}:${info.destPort}`
  const action = classifySession('port-forward', session.login, detail)
  const answer = session.gate({}).decide({ action, write: true, start: true })
  void Promise.resolve(answer).then(
    async ({ decision, seq }) => {
      if (decision.outcome !== 'allow') return reject()
      let upstream: ClientChannel
      try {
        const client = await session.upstream()
        upstream = await new Promise<ClientChannel>((resolve, fail) =>
          client.forwardOut(info.srcIP, info.srcPort, info.destIP, info.destPort, (error, channel) =>
            error ? fail(error) : resolve(channel),
          ),
        )
      } catch {
        session.gate({}).recordOutcome(seq, action, { error: 'the target refused the forward' })
        return reject()
      }
      const channel = accept()
      const untrack = session.track({ terminate: () => channel.close() })
      channel.pipe(upstream).pipe(channel)
      const startedAt = performance.now()
      upstream.once('close', () => {
        untrack()
        channel.close()
        session.gate({}).recordOutcome(seq, action, { durationMs: Math.round(performance.now() - startedAt) })
      })
      channel.once('close', () => upstream.close())
    },
    () => reject(),
  )
}
