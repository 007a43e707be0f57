// The canonical form of a command line (kinds/ssh-command-pattern.ts's language), which the exec action
// needs as `exec:<login>:<form>`: only for a top-level sequence of simple commands whose words, assignment
// values and redirection targets are all literals. Anything else (an expansion, a substitution, a glob, a
// here-document, a compound command) has no form: such a command needs the whole login, `exec:<login>`.
import { type CommandToken, formatCommand, program } from '../../../kinds/ssh-command-pattern.ts'
import type { Item, Redirect, SimpleCommand } from './commands.ts'

export function commandForm(items: readonly Item[]): string | undefined {
  const tokens: CommandToken[] = []
  for (const item of items) {
    if (item.type === 'op') tokens.push({ type: 'op', text: item.text })
    else if (item.type === 'compound') return undefined
    else if (!commandTokens(item, tokens)) return undefined
  }
  return tokens.length > 0 ? formatCommand(tokens) : undefined
}

function commandTokens(command: SimpleCommand, tokens: CommandToken[]): boolean {
  for (const a of command.assignments) {
    if (a.value.kind !== 'literal') return false
    tokens.push({ type: 'word', text: `${a.name}=${a.value.value}`, assign: true })
  }
  for (const [i, word] of command.words.entries()) {
    if (word.kind !== 'literal') return false
    tokens.push({ type: 'word', text: i === 0 ? program(word.value) : word.value, assign: false })
  }
  for (const r of command.redirects) {
    const token = redirectToken(r)
    if (!token || r.target.kind !== 'literal') return false
    tokens.push(token, { type: 'word', text: r.target.value, assign: false })
  }
  return true
}

const REDIRECT_FORM = /^(?:(&>>|&>)|(\d{0,2})(>>|>&|>\||<&|<>|>|<))$/

function redirectToken(r: Redirect): CommandToken | undefined {
  const m = REDIRECT_FORM.exec(r.op)
  if (!m || r.heredoc) return undefined
  if (m[1]) return { type: 'redirect', text: m[1] }
  const fd = m[2] ?? ''
  const op = m[3]!
  const defaultFd = op.startsWith('<') ? 0 : 1
  return { type: 'redirect', text: (fd === '' || Number(fd) === defaultFd ? '' : String(Number(fd))) + op }
}
