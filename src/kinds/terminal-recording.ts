// The `recording` section of kinds that record terminals as asciicast (SSH sessions, Kubernetes exec/attach):
// one bound on bytes kept per session, described per kind.
import { z } from 'zod'

const DEFAULT_MAX_BYTES = 64 * 1024 * 1024

export function terminalRecordingSchema(maxBytesDescription: string, description: string) {
  return z
    .strictObject({
      maxBytes: z
        .number()
        .int()
        .min(64 * 1024)
        .max(4 * 1024 * 1024 * 1024)
        .default(DEFAULT_MAX_BYTES)
        .describe(maxBytesDescription),
    })
    .default({ maxBytes: DEFAULT_MAX_BYTES })
    .describe(description)
}
