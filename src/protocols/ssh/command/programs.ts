// What runs: a command's program and, through wrappers (`sudo`, `env`, `nice`, `timeout`, `xargs`,
// `find -exec`, …), the programs it runs in turn, each as its own argument list. Guardrails match every one
// of them; command scopes never look through wrappers (a wrapper is a program like any other and must be
// named). Scripts handed over as text (`sh -c '…'`, `eval`, `su -c`, `env -S`, `watch`) are returned for
// the caller to read with the grammar.
import { posix } from 'node:path'
import type { Word } from './words.ts'

export interface Invocation {
  /** The program's file name (`rm` for /bin/rm or /tmp/rm), or '' when only known at run time. */
  name: string
  /** The program word as written, when literal. */
  program?: string
  args: Word[]
  /** Found names take the place of this text in its words when it runs (find -exec's `{}`, xargs -I's). */
  placeholder?: string
  /** xargs appends found names to its words when it runs. */
  appended?: boolean
}

export interface Unwrapped {
  invocations: Invocation[]
  /** Scripts passed as text to a shell, literal ones only. */
  scripts: string[]
  /** A script passed as text that is only known at run time (`sh -c "$X"`). */
  dynamicScript: boolean
}

interface Wrapper {
  /** Options that take the next word as their value. */
  valued?: readonly string[]
  /** Words after the options and before the program (timeout's duration, chroot's directory). */
  positional?: number
  /** NAME=value words are allowed before the program. */
  assignments?: boolean
  /** Options whose value is a shell script. */
  script?: readonly string[]
}

const WRAPPERS: Readonly<Record<string, Wrapper>> = {
  sudo: { valued: ['-u', '-g', '-h', '-p', '-C', '-r', '-t', '-U', '-D', '-R', '-T'], assignments: true },
  doas: { valued: ['-u', '-C'] },
  env: { valued: ['-u', '-C', '--unset', '--chdir'], assignments: true, script: ['-S', '--split-string'] },
  nice: { valued: ['-n', '--adjustment'] },
  ionice: { valued: ['-c', '-n', '-p', '-P', '-u', '--class', '--classdata'] },
  timeout: { valued: ['-s', '-k', '--signal', '--kill-after'], positional: 1 },
  nohup: {},
  setsid: {},
  time: { valued: ['-f', '-o', '--format', '--output'] },
  command: {},
  builtin: {},
  exec: { valued: ['-a'] },
  stdbuf: { valued: ['-i', '-o', '-e'] },
  chroot: { valued: ['--userspec', '--groups'], positional: 1 },
  flock: {
    valued: ['-w', '-E', '--timeout', '--conflict-exit-code'],
    positional: 1,
    script: ['-c', '--command'],
  },
  su: { valued: ['-s', '-g', '-G', '--shell', '--group'], positional: 1, script: ['-c', '--command'] },
  runuser: { valued: ['-u', '-g', '-G', '-s', '--user', '--group', '--shell'], script: ['-c', '--command'] },
  unshare: {},
  nsenter: { valued: ['-t', '--target'] },
  taskset: { positional: 1 },
  chrt: { positional: 1 },
  xargs: { valued: ['-I', '-L', '-n', '-P', '-d', '-E', '-s', '-a', '--delimiter', '--arg-file'] },
  'systemd-run': { valued: ['-p', '-u', '--unit', '--property', '--uid', '--gid'] },
  busybox: {},
  strace: { valued: ['-o', '-e', '-p', '-s', '-u'] },
  ltrace: { valued: ['-o', '-e', '-p', '-s', '-u'] },
  script: { valued: ['-c', '--command'], script: ['-c', '--command'] },
}

/** Shells: `-c` takes the script as the first word after the options. */
export const SHELLS = new Set([
  'sh',
  'bash',
  'dash',
  'zsh',
  'ksh',
  'mksh',
  'ash',
  'fish',
  'rbash',
  'yash',
  'tcsh',
  'csh',
])

const MAX_UNWRAP = 16

function nameOf(word: Word | undefined): string {
  return word?.kind === 'literal' ? posix.basename(word.value) : ''
}

/** The invocations of one command's words: the command itself, then what each wrapper runs. */
export function unwrap(words: readonly Word[]): Unwrapped {
  const out: Unwrapped = { invocations: [], scripts: [], dynamicScript: false }
  let argv = words
  let fed: Pick<Invocation, 'placeholder' | 'appended'> = {}
  for (let n = 0; argv.length > 0 && n < MAX_UNWRAP; n++) {
    const name = nameOf(argv[0])
    const first = argv[0]!
    out.invocations.push({
      name,
      args: argv.slice(1),
      ...(first.kind === 'literal' ? { program: first.value } : {}),
      ...fed,
    })
    const next = innerOf(name, argv.slice(1), out)
    if (!next) break
    fed = name === 'find' ? { placeholder: '{}' } : name === 'xargs' ? xargsFeeds(argv.slice(1)) : fed
    argv = next
  }
  return out
}

/** How xargs hands over the names it reads: in place of -I's text (`-i`, `--replace` mean `{}`), or appended. */
function xargsFeeds(args: readonly Word[]): Pick<Invocation, 'placeholder' | 'appended'> {
  for (const [i, a] of args.entries()) {
    const v = a.shape
    if (v === '-I') return { placeholder: args[i + 1]?.shape ?? '{}' }
    if (v.startsWith('-I')) return { placeholder: v.slice(2) }
    if (v === '-i' || v === '--replace') return { placeholder: '{}' }
    if (v.startsWith('-i') || v.startsWith('--replace='))
      return { placeholder: v.slice(v.indexOf('=') + 1) || v.slice(2) }
    if (!v.startsWith('-')) break
  }
  return { appended: true }
}

function innerOf(name: string, args: readonly Word[], out: Unwrapped): readonly Word[] | undefined {
  if (SHELLS.has(name)) return shellScript(args, out)
  if (name === 'eval') return script(args.length > 0 ? args : undefined, out)
  if (name === 'watch') return script(afterOptions(args, WATCH), out)
  if (name === 'find') return findExec(args)
  // Own keys only: a program named `constructor` is not Object.prototype's.
  const wrapper = Object.hasOwn(WRAPPERS, name) ? WRAPPERS[name] : undefined
  if (!wrapper) return undefined
  // A script option anywhere (`su root -c '…'`), not only before the first operand.
  if (wrapper.script) scriptOptions(args, wrapper.script, out)
  // su and runuser hand their -c script to the login's shell: what follows the user is not a program.
  if (name === 'su' || (name === 'runuser' && !args.some((a) => a.kind === 'literal' && a.value === '--')))
    return undefined
  if (name === 'command' && args.some((a) => a.kind === 'literal' && /^-[a-zA-Z]*[vV]/.test(a.value)))
    return undefined
  let i = 0
  for (; i < args.length; i++) {
    const w = args[i]!
    if (w.kind !== 'literal') return undefined
    const v = w.value
    if (v === '--') {
      i++
      break
    }
    if (v.startsWith('-') && v !== '-')
      i += wrapper.valued?.includes(v) || wrapper.script?.includes(v) ? 1 : 0
    else if (!(wrapper.assignments && /^[A-Za-z_][A-Za-z0-9_]*=/.test(v))) break
  }
  i += wrapper.positional ?? 0
  return args.slice(i)
}

function scriptOptions(args: readonly Word[], options: readonly string[], out: Unwrapped): void {
  args.forEach((w, i) => {
    if (w.kind !== 'literal') return
    if (options.includes(w.value)) script(args[i + 1] ? [args[i + 1]!] : undefined, out)
    const eq = w.value.indexOf('=')
    if (w.value.startsWith('--') && eq > 0 && options.includes(w.value.slice(0, eq)))
      script([{ kind: 'literal', value: w.value.slice(eq + 1), shape: w.value.slice(eq + 1) }], out)
  })
}

const WATCH: Wrapper = { valued: ['-n', '-d', '--interval', '--differences'] }

function afterOptions(args: readonly Word[], wrapper: Wrapper): Word[] {
  let i = 0
  while (
    i < args.length &&
    args[i]!.kind === 'literal' &&
    (args[i] as { value: string }).value.startsWith('-')
  ) {
    i += wrapper.valued?.includes((args[i] as { value: string }).value) ? 2 : 1
  }
  return args.slice(i)
}

/** `sh -c 'script'`, `bash -lc '…'`: the first word after the options, when an option holds `c`. */
function shellScript(args: readonly Word[], out: Unwrapped): undefined {
  let i = 0
  let withC = false
  for (; i < args.length; i++) {
    const w = args[i]!
    if (w.kind !== 'literal') break
    if (w.value === '--') {
      i++
      break
    }
    if (/^--[a-z]/.test(w.value)) continue // --norc, --login, --noprofile
    if (!/^[-+][a-zA-Z]+$/.test(w.value)) break
    if (w.value.startsWith('-') && w.value.includes('c')) withC = true
    if (w.value === '-o' || w.value === '+o' || w.value === '-O' || w.value === '+O') i++
  }
  if (withC) script(args[i] ? [args[i]!] : undefined, out)
  return undefined
}

/** Words joined into a script, as eval and watch do. */
function script(words: readonly Word[] | undefined, out: Unwrapped): undefined {
  if (!words || words.length === 0) return undefined
  if (words.some((w) => w.kind !== 'literal')) out.dynamicScript = true
  else out.scripts.push(words.map((w) => (w as { value: string }).value).join(' '))
  return undefined
}

/** `find … -exec rm -rf {} ;`: the words between -exec (-execdir, -ok, -okdir) and `;` or `+`. */
function findExec(args: readonly Word[]): Word[] | undefined {
  const at = args.findIndex((w) => w.kind === 'literal' && /^-(exec|execdir|ok|okdir)$/.test(w.value))
  if (at < 0) return undefined
  const rest = args.slice(at + 1)
  const end = rest.findIndex((w) => w.kind === 'literal' && (w.value === ';' || w.value === '+'))
  return end < 0 ? rest : rest.slice(0, end)
}
