// What every command file exports, and the context a command runs with. Options are node:util parseArgs
// definitions plus a description for `taskgate help <command>`.
import { parseArgs } from 'node:util'
import type { ApiClient } from './api-client.ts'
import { usageError } from './cli-error.ts'
import type { CliIo } from './io.ts'

export interface OptionSpec {
  type: 'string' | 'boolean'
  short?: string
  /** Shown in help; `<value>` names the argument of a string option. */
  description: string
  value?: string
  /** Shown without brackets in the usage line; commands still check it (requireOption). */
  required?: boolean
}

export interface CommandContext {
  /** Positional arguments after the command words. */
  args: string[]
  options: Record<string, string | boolean | undefined>
  /** Everything after a literal `--` (e.g. the client that `connect` runs). */
  rest: string[]
  json: boolean
  io: CliIo
  api: ApiClient
}

export interface Command {
  /** The words that select it: `grant request`, `whoami`. */
  name: string
  /** Positional arguments, for the usage line: `ID`, `RESOURCE`. */
  params?: string
  summary: string
  /** Longer help, shown by `taskgate help <command>`. */
  details?: string
  options?: Record<string, OptionSpec>
  /** Set when the command runs without the API (config check, serve, login). */
  local?: boolean
  /** Set when the command parses its own argv (login): `args` then holds it untouched. */
  ownArgs?: boolean
  /** Returns the exit code (0 when nothing is returned). */
  run(context: CommandContext): Promise<number | undefined> | number | undefined
}

export const GLOBAL_OPTIONS: Record<string, OptionSpec> = {
  api: {
    type: 'string',
    value: 'URL',
    description: 'API base URL (TASKGATE_API; default http://127.0.0.1:8470)',
  },
  'token-file': {
    type: 'string',
    value: 'FILE',
    description: 'read the bearer token from FILE (else TASKGATE_TOKEN, else the login token)',
  },
  json: { type: 'boolean', description: 'machine-readable output' },
  help: { type: 'boolean', short: 'h', description: 'show help' },
}

export interface ParsedArgs {
  args: string[]
  options: Record<string, string | boolean | undefined>
  rest: string[]
}

/** Parses a command's argv strictly: an unknown option or a missing value is a usage error. */
export function parseCommandArgs(command: Command | undefined, argv: string[]): ParsedArgs {
  const dashDash = argv.indexOf('--')
  const own = dashDash === -1 ? argv : argv.slice(0, dashDash)
  const rest = dashDash === -1 ? [] : argv.slice(dashDash + 1)
  const specs = { ...GLOBAL_OPTIONS, ...command?.options }
  const options = Object.fromEntries(
    Object.entries(specs).map(([name, spec]) => [
      name,
      spec.short ? { type: spec.type, short: spec.short } : { type: spec.type },
    ]),
  )
  try {
    const { values, positionals } = parseArgs({ args: own, options, allowPositionals: true, strict: true })
    return { args: positionals, options: values as ParsedArgs['options'], rest }
  } catch (error) {
    const name = command ? `taskgate help ${command.name}` : 'taskgate --help'
    // parseArgs appends advice about `--` that does not fit here; keep its first sentence.
    const reason = (error as Error).message.split(/\n|\. To specify/)[0]
    throw usageError(`${reason} (see \`${name}\`)`)
  }
}

/** The value of a string option, or a usage error naming it. */
export function requireOption(context: CommandContext, name: string): string {
  const value = context.options[name]
  if (typeof value !== 'string' || value.trim() === '') throw usageError(`--${name} is required`)
  return value
}

/** The positional arguments by name, or a usage error naming the first one missing. */
export function requireArgs(context: CommandContext, ...names: string[]): string[] {
  const missing = names.slice(context.args.length)
  if (missing.length > 0) throw usageError(`missing ${missing.join(' ')}`)
  if (context.args.length > names.length)
    throw usageError(`unexpected argument "${context.args[names.length]}"`)
  return context.args.slice(0, names.length)
}

export function stringOption(context: CommandContext, name: string): string | undefined {
  const value = context.options[name]
  return typeof value === 'string' ? value : undefined
}
