// The run-time settings a client asks for in its StartupMessage: parameters beside user and database
// (application_name, DateStyle, TimeZone, …) and the `-c name=value` switches of the `options` parameter
// (libpq's PGOPTIONS). The server applies them as the session starts, before any statement, so the gateway
// decides each one as the `SET name TO value` it amounts to (index.ts), and forwards only what policy allows:
// a setting is never dropped silently nor applied behind the policy's back
// (postgresql.org/docs/current/protocol-message-formats.html#PROTOCOL-MESSAGE-FORMATS-STARTUPMESSAGE).

/** One setting, by the name the client used (GUC names are case-insensitive) and its value as text. */
export interface StartupSetting {
  readonly name: string
  readonly value: string
  /** Where it came from, for the client's error: a startup parameter or the `options` parameter. */
  readonly via: 'parameter' | 'options'
}

export type StartupSettings =
  | { readonly settings: readonly StartupSetting[] }
  | { readonly refused: string; readonly parameter: string }

/** Startup parameters that are not settings. `_pq_.` protocol options are negotiated in front.ts. */
const NOT_SETTINGS = new Set(['user', 'database', 'options', 'replication'])
const OFF_VALUES = new Set(['off', 'false', 'no', '0', 'f', 'n'])
/** A GUC name as PostgreSQL accepts it: identifiers, a custom setting's dotted `prefix.name` too. */
const SETTING_NAME = /^[a-z_][a-z0-9_$]*(?:\.[a-z_][a-z0-9_$]*)*$/i
const MAX_VALUE_CHARS = 4096

/** The client's settings, or why one cannot be applied as asked (the parameter it names). */
export function startupSettings(params: ReadonlyMap<string, string>): StartupSettings {
  const settings: StartupSetting[] = []
  for (const [name, value] of params) {
    if (name.startsWith('_pq_.')) continue
    if (name === 'replication') {
      if (OFF_VALUES.has(value.toLowerCase())) continue
      return { parameter: name, refused: 'taskgate does not relay replication connections' }
    }
    if (NOT_SETTINGS.has(name)) continue
    settings.push({ name, value, via: 'parameter' })
  }
  const options = params.get('options')
  if (options !== undefined) {
    const parsed = optionSettings(options)
    if ('refused' in parsed) return parsed
    settings.push(...parsed.settings)
  }
  for (const s of settings) {
    if (!SETTING_NAME.test(s.name))
      return { parameter: s.name, refused: 'not a configuration parameter name' }
    if (s.value.length > MAX_VALUE_CHARS)
      return { parameter: s.name, refused: `the value is longer than ${MAX_VALUE_CHARS} characters` }
  }
  return { settings }
}

/** `options` as the server reads it (pg_split_opts: words split at spaces, `\` escapes the next character),
 * holding only `-c name=value`, `-cname=value` or `--name=value` (a `-` in the name reads as `_`). Any other
 * server switch (-d, -B, -e, …) is refused: each sets something the policy does not decide. */
function optionSettings(options: string): StartupSettings {
  const words = splitOptions(options)
  const settings: StartupSetting[] = []
  for (let i = 0; i < words.length; i++) {
    const word = words[i]!
    let assignment: string | undefined
    if (word === '-c') assignment = words[++i]
    else if (word.startsWith('--')) assignment = word.slice(2)
    else if (word.startsWith('-c')) assignment = word.slice(2)
    else
      return {
        parameter: 'options',
        refused: `taskgate accepts only -c name=value in options, got "${clip(word)}"`,
      }
    const equals = assignment?.indexOf('=') ?? -1
    if (assignment === undefined || equals <= 0)
      return { parameter: 'options', refused: `-c needs name=value, got "${clip(assignment ?? '')}"` }
    const name = assignment.slice(0, equals).replaceAll('-', '_')
    settings.push({ name, value: assignment.slice(equals + 1), via: 'options' })
  }
  return { settings }
}

function splitOptions(options: string): string[] {
  const words: string[] = []
  let word = ''
  let inWord = false
  for (let i = 0; i < options.length; i++) {
    const c = options[i]!
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      if (inWord) words.push(word)
      word = ''
      inWord = false
      continue
    }
    inWord = true
    if (c === '\\' && i + 1 < options.length) word += options[++i]
    else word += c
  }
  if (inWord) words.push(word)
  return words
}

const clip = (text: string): string => (text.length > 64 ? `${text.slice(0, 64)}…` : text)

const quoteIdent = (name: string): string => `"${name.replaceAll('"', '""')}"`
const quoteLiteral = (text: string): string => `'${text.replaceAll("'", "''")}'`

/** The `SET` statement a startup setting amounts to, for the classifier and policy. A GUC name is
 * case-insensitive (quoted lower case is the same parameter). search_path is a list: its value is split as
 * the server splits it (SplitIdentifierString), so `a, "B"` is decided as the two schemas it names. */
export function settingStatement(setting: StartupSetting): string {
  const name = setting.name.toLowerCase()
  const target = name.split('.').map(quoteIdent).join('.')
  if (name === 'search_path') {
    const schemas = splitIdentifiers(setting.value)
    if (schemas === undefined) return `SET ${target} TO ${quoteLiteral(setting.value)}`
    return `SET ${target} TO ${schemas.length > 0 ? schemas.map(quoteIdent).join(', ') : "''"}`
  }
  return `SET ${target} TO ${quoteLiteral(setting.value)}`
}

/** A comma-separated identifier list as the server reads a list setting: unquoted names folded to lower
 * case, double-quoted ones kept with `""` as a quote. Undefined when the server would reject it. */
function splitIdentifiers(value: string): string[] | undefined {
  const names: string[] = []
  let i = 0
  const skipSpace = () => {
    while (i < value.length && /\s/.test(value[i]!)) i++
  }
  skipSpace()
  if (i === value.length) return names
  for (;;) {
    let name = ''
    if (value[i] === '"') {
      for (i++; ; i++) {
        if (i >= value.length) return undefined
        if (value[i] === '"') {
          if (value[i + 1] !== '"') break
          i++
        }
        name += value[i]
      }
      i++
    } else {
      while (i < value.length && value[i] !== ',' && !/\s/.test(value[i]!)) name += value[i++]
      name = name.replace(/[A-Z]/g, (c) => c.toLowerCase())
    }
    if (name === '') return undefined
    names.push(name)
    skipSpace()
    if (i === value.length) return names
    if (value[i] !== ',') return undefined
    i++
    skipSpace()
  }
}
