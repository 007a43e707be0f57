// A failure the CLI reports as `error [CODE]: message` with its exit code. Codes are the API's TG_* codes
// (from problem+json) or the CLI's own TG_CLI_* codes for what never reaches the API (usage, unreachable
// API); those are in the same registry (src/core/errors.ts, docs/errors.md).
export const EXIT = { ok: 0, error: 1, usage: 2, denied: 3, changed: 4 } as const

export type ExitCode = (typeof EXIT)[keyof typeof EXIT]

export class CliError extends Error {
  readonly code: string
  readonly exitCode: ExitCode
  constructor(code: string, message: string, exitCode: ExitCode = EXIT.error) {
    super(message)
    this.name = 'CliError'
    this.code = code
    this.exitCode = exitCode
  }
}

export function usageError(message: string): CliError {
  return new CliError('TG_CLI_USAGE', message, EXIT.usage)
}
