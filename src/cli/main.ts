// The `taskgate` command: finds the command named by the first words of argv, parses its options,
// runs it against the API, and maps failures to `error [CODE]: message` and the exit code
// (0 ok, 1 error, 2 usage, 3 denied).
import { readFile } from 'node:fs/promises'
import { isTaskgateError } from '../core/index.ts'
import { ApiClient } from './api-client.ts'
import { CliError, EXIT, usageError } from './cli-error.ts'
import { type Command, GLOBAL_OPTIONS, type OptionSpec, parseCommandArgs } from './command.ts'
import { COMMANDS } from './commands/index.ts'
import { type CliIo, processIo } from './io.ts'

const DEFAULT_API = 'http://127.0.0.1:8470'

export async function runCli(argv: string[], io: CliIo): Promise<number> {
  try {
    return await dispatch(argv, io)
  } catch (error) {
    return reportError(io, error)
  }
}

async function dispatch(givenArgv: string[], io: CliIo): Promise<number> {
  const argv = globalOptionsAfterCommand(givenArgv)
  const first = argv[0]
  if (first === undefined || first === '--help' || first === '-h') {
    io.stdout(overview())
    return first === undefined ? EXIT.usage : EXIT.ok
  }
  if (first === 'help') {
    const words = argv.slice(1).filter((a) => !a.startsWith('-'))
    const group = words.length === 1 ? groupHelp(words[0]!) : undefined
    io.stdout(words.length === 0 ? overview() : (group ?? commandHelp(findCommand(words).command)))
    return EXIT.ok
  }
  // `taskgate grant --help`: a group of commands asked for its help.
  const second = argv[1]
  if (second === '--help' || second === '-h') {
    const group = groupHelp(first)
    if (group) {
      io.stdout(group)
      return EXIT.ok
    }
  }
  const { command, consumed } = findCommand(argv)
  const rest = argv.slice(consumed)
  if (command.ownArgs) return (await command.run({ ...emptyContext(io), args: rest })) ?? EXIT.ok
  const parsed = parseCommandArgs(command, rest)
  if (parsed.options.help) {
    io.stdout(commandHelp(command))
    return EXIT.ok
  }
  const apiUrl = (parsed.options.api as string | undefined) ?? io.env.TASKGATE_API ?? DEFAULT_API
  const tokenFile = parsed.options['token-file'] as string | undefined
  const api = new ApiClient({ baseUrl: apiUrl, token: () => resolveToken(io, tokenFile) })
  const code = await command.run({ ...parsed, json: parsed.options.json === true, io, api })
  return code ?? EXIT.ok
}

/**
 * `taskgate --api URL --json resources` as well as `taskgate resources --api URL --json`: global options
 * written before the command move behind it (before a literal `--`, whose rest belongs to a client such
 * as psql), where each command's parser reads them.
 */
export function globalOptionsAfterCommand(argv: string[]): string[] {
  const leading: string[] = []
  let i = 0
  while (i < argv.length) {
    const word = argv[i]!
    const name = word.startsWith('--') ? word.slice(2).split('=')[0]! : undefined
    const spec = name === undefined || name === 'help' ? undefined : GLOBAL_OPTIONS[name]
    if (!spec) break
    const takesNext = spec.type === 'string' && !word.includes('=')
    if (takesNext && argv[i + 1] === undefined) throw usageError(`option --${name} needs a value`)
    leading.push(...argv.slice(i, takesNext ? i + 2 : i + 1))
    i += takesNext ? 2 : 1
  }
  const rest = argv.slice(i)
  if (leading.length === 0 || rest.length === 0) return rest
  const dashDash = rest.indexOf('--')
  return dashDash === -1
    ? [...rest, ...leading]
    : [...rest.slice(0, dashDash), ...leading, ...rest.slice(dashDash)]
}

/** The longest run of leading words that names a command: `grant request` before `grant`. */
function findCommand(words: string[]): { command: Command; consumed: number } {
  const two = `${words[0]} ${words[1]}`
  const command = COMMANDS.find((c) => c.name === two) ?? COMMANDS.find((c) => c.name === words[0])
  if (command) return { command, consumed: command.name.split(' ').length }
  const group = COMMANDS.filter((c) => c.name.startsWith(`${words[0]} `))
  if (group.length > 0) {
    const subcommands = group.map((c) => c.name.split(' ')[1]).join(', ')
    throw usageError(
      words[1] === undefined
        ? `"${words[0]}" needs a subcommand: ${subcommands}`
        : `unknown subcommand "${words[0]} ${words[1]}"; try one of: ${subcommands}`,
    )
  }
  throw usageError(`unknown command "${words[0]}"; \`taskgate --help\` lists the commands`)
}

/** --token-file, else TASKGATE_TOKEN, else the token `taskgate login` stored. */
async function resolveToken(io: CliIo, tokenFile: string | undefined): Promise<string> {
  if (tokenFile) {
    try {
      return (await readFile(tokenFile, 'utf8')).trim()
    } catch (error) {
      throw new CliError(
        'TG_AUTH_MISSING',
        `cannot read --token-file ${tokenFile}: ${(error as NodeJS.ErrnoException).code}`,
      )
    }
  }
  const fromEnv = io.env.TASKGATE_TOKEN?.trim()
  if (fromEnv) return fromEnv
  const { loadStoredToken } = await import('./commands/login.ts')
  return loadStoredToken({ env: io.env as NodeJS.ProcessEnv })
}

function reportError(io: CliIo, error: unknown): number {
  if (error instanceof CliError) {
    io.stderr(`error [${error.code}]: ${error.message}\n`)
    return error.exitCode
  }
  if (isTaskgateError(error)) {
    // Local failures (config check, a missing login): the person at this terminal is the operator.
    io.stderr(`error [${error.code}]: ${error.clientMessage}\n`)
    return error.kind === 'denied' ? EXIT.denied : EXIT.error
  }
  io.stderr(`error [TG_INTERNAL]: ${error instanceof Error ? error.message : String(error)}\n`)
  return EXIT.error
}

function emptyContext(io: CliIo) {
  return {
    args: [],
    options: {},
    rest: [],
    json: false,
    io,
    api: new ApiClient({ baseUrl: DEFAULT_API, token: async () => '' }),
  }
}

function usageLine(command: Command): string {
  const options = Object.entries(command.options ?? {})
    .map(([name, spec]) => {
      const text = `--${name}${spec.value ? ` ${spec.value}` : ''}`
      return spec.required ? text : `[${text}]`
    })
    .join(' ')
  return ['taskgate', command.name, command.params, options].filter(Boolean).join(' ')
}

function optionLines(options: Record<string, OptionSpec>): string {
  const rows = Object.entries(options).map(([name, spec]) => [
    `${spec.short ? `-${spec.short}, ` : ''}--${name}${spec.value ? ` ${spec.value}` : ''}`,
    spec.description,
  ])
  const width = Math.max(...rows.map(([left]) => left!.length))
  return rows.map(([left, right]) => `  ${left!.padEnd(width)}  ${right}\n`).join('')
}

function overview(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length))
  const lines = COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}\n`).join('')
  return (
    'taskgate: task-scoped, just-in-time access to databases, servers, Kubernetes and HTTP APIs for agents and people\n\n' +
    'usage: taskgate [global options] <command> [options]\n\ncommands:\n' +
    lines +
    '\nglobal options:\n' +
    optionLines(GLOBAL_OPTIONS) +
    '\nexit codes: 0 ok, 1 error, 2 usage, 3 denied, 4 changes found (policy replay). `taskgate help <command>` for details.\n'
  )
}

/** Help for a word that only prefixes commands (`grant`, `sessions`), or undefined when it names one. */
function groupHelp(word: string): string | undefined {
  if (COMMANDS.some((c) => c.name === word)) return undefined
  const group = COMMANDS.filter((c) => c.name.startsWith(`${word} `))
  if (group.length === 0) return undefined
  const width = Math.max(...group.map((c) => c.name.length))
  return (
    `usage: taskgate ${word} <subcommand> [options]\n\nsubcommands:\n` +
    group.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}\n`).join('') +
    `\n\`taskgate help ${word} <subcommand>\` for details.\n`
  )
}

function commandHelp(command: Command): string {
  return (
    `usage: ${usageLine(command)}\n\n${command.summary}\n` +
    (command.details ? `\n${command.details}\n` : '') +
    (command.options ? `\noptions:\n${optionLines(command.options)}` : '') +
    (command.local ? '' : `\nglobal options:\n${optionLines(GLOBAL_OPTIONS)}`)
  )
}

if (import.meta.main) {
  // `taskgate audit tail | head`: the reader left, so there is nobody to tell; end quietly, as cat does.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error
    process.exit(process.exitCode ?? EXIT.ok)
  })
  process.exitCode = await runCli(process.argv.slice(2), processIo)
}
