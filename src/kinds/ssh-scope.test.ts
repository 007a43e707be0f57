import assert from 'node:assert/strict'
import { test } from 'node:test'
import fc from 'fast-check'
import { globMatches } from '../core/glob-match.ts'
import {
  entriesOutside,
  parseScope,
  parseScopeEntry,
  scopeCovers,
  scopeObjectProblem,
} from '../core/grants/scope.ts'
import { formatCommand, tokenizeCommand, WILDCARD, wordCovers } from './ssh-command-pattern.ts'
import { SSH_SCOPE_OBJECTS } from './ssh-scope.ts'

const exec = SSH_SCOPE_OBJECTS.exec
const covers = (pattern: string, object: string) => exec.covers(pattern, object)

test('a command pattern covers exactly the program and arguments it names', () => {
  const yes: [string, string][] = [
    ['deploy:systemctl status *', 'deploy:systemctl status web'],
    ['deploy:systemctl status *', 'deploy:systemctl status'],
    ['deploy:systemctl status *', 'deploy:systemctl status web db --no-pager'],
    ['deploy:journalctl -u web *', 'deploy:journalctl -u web -n 50'],
    ['deploy:systemctl status web*', 'deploy:systemctl status web-1'],
    ['deploy:/usr/bin/systemctl status *', 'deploy:systemctl status web'],
    ['deploy:systemctl status *', "deploy:systemctl status 'a;b'"],
    ['deploy:journalctl -u web * | grep *', 'deploy:journalctl -u web -n 5 | grep error'],
    ['deploy:cat /var/log/*.log >/tmp/out', 'deploy:cat /var/log/a.log >/tmp/out'],
    ['deploy', "deploy:rm -rf '/'"],
    ['deploy:*', 'deploy:anything | sh'],
    ['*', 'root:reboot'],
    ['de*', 'deploy:ls'],
  ]
  for (const [p, o] of yes) assert.ok(covers(p, o), `${p} should cover ${o}`)
  const no: [string, string][] = [
    ['deploy:systemctl status *', 'deploy:systemctl status web ; rm -rf /'],
    ['deploy:systemctl status *', 'deploy:systemctl status web && reboot'],
    ['deploy:systemctl status *', 'deploy:systemctl status web | sh'],
    ['deploy:systemctl status *', 'deploy:systemctl status web >/etc/passwd'],
    ['deploy:systemctl status *', 'deploy:systemctl restart web'],
    ['deploy:systemctl status *', 'deploy:./systemctl status web'],
    ['deploy:systemctl status *', 'deploy:/tmp/systemctl status web'],
    ['deploy:systemctl status *', 'deploy:FOO=1 systemctl status web'],
    ['deploy:systemctl status *', 'deploy'],
    ['deploy:systemctl status *', 'root:systemctl status web'],
    ['deploy:systemctl status web', 'deploy:systemctl status Web'],
    ['deploy:journalctl -u web *', 'deploy:journalctl -u web -n 5 | grep error'],
    ['deploy:ls * x', 'deploy:ls x'],
    ['deploy:echo *', 'deploy:sh -c "echo hi"'],
  ]
  for (const [p, o] of no) assert.ok(!covers(p, o), `${p} must not cover ${o}`)
})

test('pattern within pattern is judged soundly (ceilings): a wildcard is covered only by a wildcard', () => {
  assert.ok(covers('deploy:systemctl *', 'deploy:systemctl status *'))
  assert.ok(covers('deploy', 'deploy:systemctl status *'))
  assert.ok(!covers('deploy:systemctl status *', 'deploy:systemctl *'))
  assert.ok(!covers('deploy:systemctl status', 'deploy:systemctl st*'))
  assert.ok(!covers('deploy:a * *', 'deploy:a *'), 'any further arguments include none')
  assert.ok(!covers('deploy:systemctl status *', 'deploy:*'))
  assert.deepEqual(
    entriesOutside(
      parseScope('exec:deploy:systemctl restart *'),
      parseScope('exec:deploy:systemctl status *'),
    ).length,
    1,
  )
})

test('patterns refuse what would expand, and malformed entries are named', () => {
  for (const bad of [
    'ls $HOME',
    'ls `id`',
    'ls $(id)',
    'ls ~',
    'ls a?',
    'ls [ab]',
    'ls {a,b}',
    'ls "a',
    "ls 'a",
    'ls |',
    '| ls',
    'ls (x)',
    'ls # c',
    'ls \u200b',
    'cat <<EOF',
    'ls \\',
  ])
    assert.ok('problem' in tokenizeCommand(bad), bad)
  for (const good of [
    "ls 'a b'",
    'ls "a b"',
    'ls a\\ b',
    'find . -name x -exec rm {} \\;',
    'ls 2>&1',
    'sleep 1 &',
    'a && b || c',
    'A=1 B=2 cmd',
  ])
    assert.ok('tokens' in tokenizeCommand(good), good)
  assert.match(scopeObjectProblem(parseScopeEntry('exec:deploy:ls $HOME')) ?? '', /command pattern/)
  assert.match(scopeObjectProblem(parseScopeEntry('shell:root:x')) ?? '', /login only/)
  assert.match(scopeObjectProblem(parseScopeEntry('sftp-read:deploy:var/log')) ?? '', /absolute/)
  assert.match(scopeObjectProblem(parseScopeEntry('sftp-read:deploy:/var/../etc')) ?? '', /\.\./)
  assert.equal(scopeObjectProblem(parseScopeEntry('exec:deploy:systemctl status *')), undefined)
  assert.equal(scopeObjectProblem(parseScopeEntry('select:Billing.X')), undefined)
})

test('a scope list keeps command entries whole, their case, and splits at commas and verbs', () => {
  assert.deepEqual(parseScope('exec:deploy:systemctl status *, exec:deploy:journalctl -u Web * shell:root'), [
    { verb: 'exec', object: 'deploy:systemctl status *' },
    { verb: 'exec', object: 'deploy:journalctl -u Web *' },
    { verb: 'shell', object: 'root' },
  ])
  assert.deepEqual(parseScope("exec:deploy:echo 'a, b' select:X.y"), [
    { verb: 'exec', object: "deploy:echo 'a, b'" },
    { verb: 'select', object: 'x.y' },
  ])
  assert.throws(() => parseScope('select:a b'), /malformed/)
  assert.ok(
    scopeCovers(
      parseScope('exec:deploy:systemctl status *'),
      parseScopeEntry('exec:deploy:systemctl status web'),
    ),
  )
})

test('the canonical form reads back to the same tokens', () => {
  for (const text of [
    "echo 'a:b' 'c d' >/tmp/x 2>&1",
    "'A=1' x",
    "A= B='x y' cmd",
    "printf '%s\\n' \"it's\"",
  ]) {
    const first = tokenizeCommand(text)
    assert.ok('tokens' in first, text)
    const again = tokenizeCommand(formatCommand(first.tokens))
    assert.deepEqual(again, first, text)
  }
})

test('sftp paths and port forwarding match per login', () => {
  const read = SSH_SCOPE_OBJECTS['sftp-read']
  assert.ok(read.covers('deploy:/var/log/*', 'deploy:/var/log/nginx/access.log'))
  assert.ok(!read.covers('deploy:/var/log/*', 'deploy:/var/lib/x'))
  assert.ok(!read.covers('deploy:/var/log/*', 'root:/var/log/x'))
  const forward = SSH_SCOPE_OBJECTS['port-forward']
  assert.ok(forward.covers('deploy', 'deploy:localhost:5432'))
  assert.ok(forward.covers('deploy:localhost:*', 'deploy:LOCALHOST:5432'))
  assert.ok(!forward.covers('deploy:localhost:5432', 'deploy:localhost:22'))
  // An address pattern covers addresses, never a name that merely starts like one (DNS decides where it goes).
  assert.ok(forward.covers('deploy:10.0.0.*:5432', 'deploy:10.0.0.7:5432'))
  assert.ok(forward.covers('deploy:10.0.0.*:*', 'deploy:10.0.0.*:5432'))
  assert.ok(!forward.covers('deploy:10.0.0.*:5432', 'deploy:10.0.0.7.attacker.example:5432'))
  assert.ok(!forward.covers('deploy:10.*:*', 'deploy:10.0.0.169.254.169.254.nip.io:80'))
})

test('word globs agree with core globMatches, and a pattern covering a pattern covers every instance of it', () => {
  const glob = fc.stringMatching(/^[ab*]{0,8}$/)
  const text = fc.stringMatching(/^[ab]{0,10}$/)
  fc.assert(
    fc.property(glob, text, (pattern, word) => {
      assert.equal(wordCovers(pattern.replaceAll('*', WILDCARD), word), globMatches(pattern, word))
    }),
    { numRuns: 3000 },
  )
  fc.assert(
    fc.property(glob, glob, fc.array(text, { minLength: 8, maxLength: 8 }), (outer, inner, fills) => {
      if (!wordCovers(outer.replaceAll('*', WILDCARD), inner.replaceAll('*', WILDCARD))) return
      let i = 0
      const instance = inner.replace(/\*/g, () => fills[i++ % fills.length]!)
      assert.ok(globMatches(outer, instance), `${outer} covers ${inner} but not ${instance}`)
    }),
    { numRuns: 3000 },
  )
})

test('matching stays cheap on patterns built to backtrack', () => {
  const started = process.hrtime.bigint()
  const pattern = `deploy:echo ${'*a'.repeat(60)}b`
  for (let i = 0; i < 64; i++) assert.equal(covers(pattern, `deploy:echo ${'a'.repeat(8000)}`), false)
  assert.ok(Number(process.hrtime.bigint() - started) / 1e6 < 1000)
})
