// What every channel of one SSH connection shares: the core session and its action gate, the login on the
// target, the upstream connection (opened once, awaited by each channel), where its recordings go and
// their shared byte budget, and the registry of live channels the grant's end terminates.
import type { Logger } from 'pino'
import type { Client } from 'ssh2'
import type { Core, SessionHandle } from '../../core/index.ts'
import type { ActionGate } from '../kit/action-gate.ts'
import type { RecordingBudget } from './asciicast.ts'

/** A channel the session can end from outside (the grant ended, the gateway shuts down). */
export interface LiveChannel {
  terminate(line: string): void
}

export interface SessionContext {
  core: Core
  handle: SessionHandle
  /** An action gate whose held actions tell `onWaiting`, aborted with `signal` (the channel closed). */
  gate(options: {
    onWaiting?: (approvalId: string, decision: { rule: string; reason: string }) => void
    signal?: AbortSignal
  }): ActionGate
  logger: Logger
  login: string
  upstream(): Promise<Client>
  /** Directory of this session's recordings (created 0700 on first use). */
  recordingDir(): Promise<string>
  budget: RecordingBudget
  /** Registers a live channel; the returned function unregisters it. */
  track(channel: LiveChannel): () => void
  /** Why the session is ending, once it is. */
  ending(): string | undefined
}
