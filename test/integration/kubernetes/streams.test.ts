// exec, attach and port-forward through the gateway, against the stand-in (test/support/kube-stream-stand-in.ts):
// the real kube-apiserver here has no kubelet, so it cannot run a container stream. kubectl is real: its
// WebSocket exec (v5.channel.k8s.io) is decided as `create pods/exec`, its command read with the SSH command
// rules, relayed under the grant's impersonated identity, recorded, and limited per grant; its SPDY/3.1 exec
// (KUBECTL_REMOTE_COMMAND_WEBSOCKETS=false) is read frame by frame and recorded the same way, and a frame the
// gateway cannot read closes the stream; port-forward's WebSocket subprotocol is relayed (its frames unread).
import assert from 'node:assert/strict'
import { execFile, spawn } from 'node:child_process'
import { mkdir, mkdtemp, readFile, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, test } from 'node:test'
import tls from 'node:tls'
import { promisify } from 'node:util'

import { parse } from 'yaml'
import { SpdyFrameReader } from '../../../src/protocols/kubernetes/spdy-frames.ts'
import { AsciicastWriter } from '../../../src/protocols/ssh/asciicast.ts'
import { callApiAs } from '../../support/call-api.ts'
import { type StreamStandIn, startStreamStandIn } from '../../support/kube-stream-stand-in.ts'
import { dataFrame, SpdyWriter } from '../../support/spdy-writer.ts'
import { type KubeGateway, startKubeGateway } from '../../support/start-kube-gateway.ts'

let dir: string
let standIn: StreamStandIn
let g: KubeGateway

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tg-kube-streams-'))
  standIn = await startStreamStandIn(dir)
  g = await startKubeGateway(standIn, { clients: '{ maxStreamsPerGrant: 1 }' })
})

after(async () => {
  await g?.[Symbol.asyncDispose]()
  await standIn?.[Symbol.asyncDispose]()
  await rm(dir, { recursive: true, force: true })
})

/** The server URL and token a kubeconfig written by `taskgate grant kubeconfig` holds. */
async function kubeconfigParts(path: string): Promise<{ url: URL; token: string; ca: string }> {
  const kc = parse(await readFile(path, 'utf8')) as {
    clusters: Array<{ cluster: { server: string; 'certificate-authority-data': string } }>
    users: Array<{ user: { token: string } }>
  }
  const cluster = kc.clusters[0]!.cluster
  return {
    url: new URL(cluster.server),
    token: kc.users[0]!.user.token,
    ca: Buffer.from(cluster['certificate-authority-data'], 'base64').toString(),
  }
}

test('kubectl exec runs over WebSocket under the grant identity; stdin and stdout are recorded', async () => {
  const { kubeconfig, grant } = await g.grant('get:pods@team-a,create:pods/exec@team-a')
  const echo = await g.kubectl(kubeconfig, ['-n', 'team-a', 'exec', 'web', '--', 'echo', 'hello', 'there'])
  assert.equal(echo.code, 0, echo.stderr)
  assert.equal(echo.stdout, 'hello there\n')
  const upgrade = standIn.seen.find(
    (h) => h.upgrade && String(h['sec-websocket-protocol']).includes('channel.k8s.io'),
  )
  assert.ok(upgrade, 'kubectl exec reached the stand-in as a WebSocket upgrade')
  assert.equal(upgrade['impersonate-user'], `taskgate:grant:${grant.id}`)
  assert.equal(upgrade.authorization, `Bearer ${standIn.gatewayToken}`)
  const typed = await g.kubectl(
    kubeconfig,
    ['-n', 'team-a', 'exec', '-i', 'web', '--', 'cat'],
    'typed into cat\n',
  )
  assert.equal(typed.code, 0, typed.stderr)
  assert.equal(typed.stdout, 'typed into cat\n')
  // The recorder writes in batches (every 200 ms): kubectl may exit before its session's last batch lands.
  const recorded = (records: Array<{ kind: string; text: string }>) =>
    records.some((a) => a.kind === 'exec stdin' && a.text.includes('typed into cat')) &&
    records.some((a) => a.kind === 'exec stdout' && a.text.includes('hello there'))
  let records: Array<{ kind: string; text: string }> = []
  for (let i = 0; i < 200 && !recorded(records); i++) {
    if (i > 0) await new Promise((resolve) => setTimeout(resolve, 50))
    const sessions = await g.gateway.core.listSessions(g.agent, { grantId: grant.id })
    records = (await Promise.all(sessions.map((s) => g.gateway.core.getSession(g.agent, s.id)))).flatMap(
      (s) => s.actions,
    )
  }
  assert.ok(
    records.some((a) => a.kind === 'exec stdin' && a.text.includes('typed into cat')),
    'stdin recorded',
  )
  assert.ok(
    records.some((a) => a.kind === 'exec stdout' && a.text.includes('hello there')),
    'stdout recorded',
  )
  assert.ok(records.some((a) => a.kind === 'create pods/exec' && a.text.endsWith('-- echo hello there')))
})

/** kubectl 1.30+ speaks WebSocket first; this makes it speak SPDY/3.1 as kubectl before 1.30 does. */
const SPDY = { KUBECTL_REMOTE_COMMAND_WEBSOCKETS: 'false' }

/** Every action recorded for a grant's sessions. */
async function actionsOf(grantId: string) {
  const sessions = await g.gateway.core.listSessions(g.agent, { grantId })
  const all = await Promise.all(sessions.map((s) => g.gateway.core.getSession(g.agent, s.id)))
  return all.flatMap((s) => s.actions)
}

test('kubectl exec over SPDY/3.1: frames read, stdin, stdout and stderr recorded, exit codes kept', async () => {
  const { kubeconfig, grant } = await g.grant('get:pods@team-a,create:pods/exec@team-a')
  const before = standIn.seen.length
  const echo = await g.kubectl(
    kubeconfig,
    ['-n', 'team-a', 'exec', 'web', '--', 'echo', 'over', 'spdy'],
    undefined,
    SPDY,
  )
  assert.equal(echo.code, 0, echo.stderr)
  assert.equal(echo.stdout, 'over spdy\n')
  const upgrade = standIn.seen.slice(before).find((h) => h.upgrade)
  assert.equal(upgrade?.upgrade, 'SPDY/3.1', 'kubectl spoke SPDY')
  assert.equal(upgrade['impersonate-user'], `taskgate:grant:${grant.id}`)
  const typed = await g.kubectl(
    kubeconfig,
    ['-n', 'team-a', 'exec', '-i', 'web', '--', 'cat'],
    'typed over spdy\n',
    SPDY,
  )
  assert.equal(typed.code, 0, typed.stderr)
  assert.equal(typed.stdout, 'typed over spdy\n')
  const err = await g.kubectl(
    kubeconfig,
    ['-n', 'team-a', 'exec', 'web', '--', 'err', 'to stderr'],
    undefined,
    SPDY,
  )
  assert.equal(err.stderr, 'to stderr\n')
  const failed = await g.kubectl(kubeconfig, ['-n', 'team-a', 'exec', 'web', '--', 'nope'], undefined, SPDY)
  assert.equal(failed.code, 127, failed.stderr)
  let actions = await actionsOf(grant.id)
  for (let i = 0; i < 100 && actions.filter((a) => a.kind === 'exec end').length < 4; i++) {
    await new Promise((r) => setTimeout(r, 100))
    actions = await actionsOf(grant.id)
  }
  const texts = (kind: string) => actions.filter((a) => a.kind === kind).map((a) => a.text)
  assert.ok(texts('exec stdout').includes('over spdy\n'), 'stdout recorded')
  assert.ok(texts('exec stdin').includes('typed over spdy\n'), 'stdin recorded')
  assert.ok(texts('exec stderr').includes('to stderr\n'), 'stderr recorded')
  assert.ok(
    texts('exec error').some((t) => t.includes('NonZeroExitCode')),
    'the exit status recorded',
  )
  const execs = actions.filter((a) => a.kind === 'create pods/exec')
  assert.equal(execs.length, 4)
  assert.ok(
    execs.every((a) => a.error === undefined),
    'no stream closed early',
  )
  // Each exec is a terminal recording too, named by its record's seq, listed by the API for the console.
  const [session] = await g.gateway.core.listSessions(g.agent, { grantId: grant.id })
  const listed = await callApiAs(
    g.gateway.api.url,
    g.agentKey,
    'GET',
    `/v1/sessions/${session!.id}/recordings`,
  )
  assert.equal(listed.status, 200, listed.text)
  const recordings = listed.body.recordings as Array<{ name: string; kind: string; seq: number }>
  assert.deepEqual(
    recordings.map((r) => [r.kind, r.seq]),
    execs.map((a) => ['exec', a.seq]),
  )
  const casts = await Promise.all(recordings.map((r) => castOf(session!.id, r.name)))
  assert.equal(casts[0]!.header.command, 'echo over spdy')
  assert.deepEqual(
    casts[0]!.events.map((e) => e.slice(1)),
    [
      ['o', 'over spdy\n'],
      ['m', 'exit code 0'],
    ],
  )
  assert.ok(
    casts[1]!.events.some((e) => e[1] === 'i' && e[2] === 'typed over spdy\n'),
    'stdin in the cast',
  )
  assert.ok(
    casts[1]!.events.some((e) => e[1] === 'o' && e[2] === 'typed over spdy\n'),
    'stdout in the cast',
  )
  assert.ok(
    casts[2]!.events.some((e) => e[1] === 'e' && e[2] === 'to stderr\n'),
    'stderr in the cast',
  )
  assert.deepEqual(casts[3]!.events.at(-1)!.slice(1), ['m', 'exit code 127'])
})

/** A recording as the console's player gets it from the API: its header and events. */
async function castOf(sessionId: string, name: string) {
  const got = await callApiAs(
    g.gateway.api.url,
    g.agentKey,
    'GET',
    `/v1/sessions/${sessionId}/recordings/${name}`,
  )
  assert.equal(got.status, 200, got.text)
  const [header, ...events] = (got.body.cast as string)
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l))
  return { header, events: events as Array<[number, string, string]> }
}

test('a terminal exec over SPDY: resizes and input in the recording, the file readable by the gateway only', async () => {
  const { kubeconfig, grant } = await g.grant('create:pods/exec@team-a')
  const { url, token, ca } = await kubeconfigParts(kubeconfig)
  const spdy = await rawUpgrade(
    url,
    ca,
    token,
    'exec?command=tty&stdin=true&stdout=true&tty=true',
    ['Upgrade: SPDY/3.1', 'X-Stream-Protocol-Version: v4.channel.k8s.io'],
    'POST',
  )
  assert.match(spdy.head, /^HTTP\/1\.1 101 /)
  const w = new SpdyWriter()
  const frames = Buffer.concat([
    w.synStream(1, { streamtype: 'error' }),
    w.synStream(3, { streamtype: 'stdin' }),
    w.synStream(5, { streamtype: 'stdout' }),
    w.synStream(7, { streamtype: 'resize' }),
    dataFrame(7, JSON.stringify({ Width: 132, Height: 43 })),
    dataFrame(3, 'typed on a terminal\r\n'),
    dataFrame(3, '', true),
  ])
  spdy.send(frames.toString('latin1'))
  const answer = Buffer.from(await spdy.rest(), 'latin1')
  let stdout = ''
  const reader = new SpdyFrameReader((f) => {
    if (f.type === 'data' && f.streamId === 5) stdout += f.data.toString()
  })
  reader.push(answer)
  assert.equal(stdout, 'resize 132x43\ntyped on a terminal\r\n')
  let sessions = await g.gateway.core.listSessions(g.agent, { grantId: grant.id })
  let recordings: Array<{ name: string }> = []
  for (let i = 0; i < 100 && recordings.length === 0; i++) {
    await new Promise((r) => setTimeout(r, 100))
    sessions = await g.gateway.core.listSessions(g.agent, { grantId: grant.id })
    const listed = await callApiAs(
      g.gateway.api.url,
      g.agentKey,
      'GET',
      `/v1/sessions/${sessions[0]!.id}/recordings`,
    )
    recordings = listed.body.recordings
  }
  const { events } = await castOf(sessions[0]!.id, recordings[0]!.name)
  const kinds = events.map((e) => `${e[1]} ${e[2]}`)
  assert.ok(kinds.includes('r 132x43'), kinds.join(' | '))
  assert.ok(kinds.includes('i typed on a terminal\r\n'), kinds.join(' | '))
  const file = join(g.dir, 'data', 'recordings', 'kubernetes', sessions[0]!.id, recordings[0]!.name)
  assert.equal((await stat(file)).mode & 0o777, 0o600)
})

test('exec outside the scope, a destructive command and kube-system are refused with a Status', async () => {
  const readOnly = await g.grant('get:pods@team-a')
  const noExec = await g.kubectl(readOnly.kubeconfig, ['-n', 'team-a', 'exec', 'web', '--', 'echo', 'x'])
  assert.notEqual(noExec.code, 0)
  // The narrowest entry that allows it is named: this command in this pod.
  assert.match(noExec.stderr, /missing scope: exec:web@team-a:echo x/)
  const { kubeconfig } = await g.grant('get:pods,create:pods/exec')
  const rmRoot = await g.kubectl(kubeconfig, ['-n', 'team-a', 'exec', 'web', '--', 'rm', '-rf', '/'])
  assert.match(rmRoot.stderr, /no-recursive-root-delete/)
  const system = await g.kubectl(kubeconfig, ['-n', 'kube-system', 'exec', 'x', '--', 'echo', 'x'])
  assert.match(system.stderr, /no-exec-kube-system/)
})

test('per-command exec scopes: exec:<pod>@<namespace>:<command> allows those commands only', async () => {
  const { kubeconfig } = await g.grant('get:pods@team-a,exec:web-*@team-a:echo *')
  const allowed = await g.kubectl(kubeconfig, ['-n', 'team-a', 'exec', 'web-1', '--', 'echo', 'fine'])
  assert.equal(allowed.code, 0, allowed.stderr)
  assert.equal(allowed.stdout, 'fine\n')
  const spdy = await g.kubectl(
    kubeconfig,
    ['-n', 'team-a', 'exec', 'web-2', '--', 'echo', 'spdy'],
    undefined,
    SPDY,
  )
  assert.equal(spdy.stdout, 'spdy\n', spdy.stderr)
  const other = await g.kubectl(kubeconfig, ['-n', 'team-a', 'exec', 'web-1', '--', 'cat', '/etc/passwd'])
  assert.notEqual(other.code, 0)
  assert.match(other.stderr, /Forbidden/)
  assert.match(other.stderr, /missing scope: exec:web-1@team-a:cat \/etc\/passwd/)
  const otherPod = await g.kubectl(kubeconfig, ['-n', 'team-a', 'exec', 'api', '--', 'echo', 'x'])
  assert.match(otherPod.stderr, /missing scope: exec:api@team-a:echo x/)
  // A guardrail still reads the command under a per-command grant.
  const wide = await g.grant('get:pods@team-a,exec:*@team-a:*')
  const rmRoot = await g.kubectl(wide.kubeconfig, ['-n', 'team-a', 'exec', 'web', '--', 'rm', '-rf', '/'])
  assert.match(rmRoot.stderr, /no-recursive-root-delete/)
})

test('streams per grant are limited; a second one while the first is open is refused (429)', async () => {
  const { kubeconfig } = await g.grant('get:pods@team-a,create:pods/exec@team-a')
  const before = standIn.seen.length
  // kubectl's stdin stays open, so the exec stays open until stopped.
  const first = spawn(
    'kubectl',
    ['--kubeconfig', kubeconfig, '-n', 'team-a', 'exec', '-i', 'web', '--', 'cat'],
    {
      stdio: ['pipe', 'ignore', 'ignore'],
    },
  )
  const firstExited = new Promise((resolve) => first.once('close', resolve))
  // The first is open once the stand-in has its upgrade.
  for (let i = 0; i < 600 && !standIn.seen.slice(before).some((h) => h.upgrade); i++)
    await new Promise((r) => setTimeout(r, 100))
  const second = await g.kubectl(kubeconfig, ['-n', 'team-a', 'exec', 'web', '--', 'echo', 'two'])
  assert.notEqual(second.code, 0)
  assert.match(second.stderr, /1 exec\/attach\/port-forward streams per grant/)
  first.stdin!.end()
  first.kill('SIGTERM')
  await firstExited
})

/** An upgrade request to the gateway over raw TLS, as kubectl sends it: its answer's head, then bytes. */
async function rawUpgrade(
  url: URL,
  ca: string,
  token: string,
  what: string,
  headers: string[],
  method = 'GET',
  pod = 'web',
) {
  const socket = tls.connect({ host: url.hostname, port: Number(url.port), ca, servername: 'localhost' })
  await new Promise((resolve) => socket.once('secureConnect', resolve))
  let got = ''
  socket.setEncoding('latin1')
  socket.on('data', (chunk: string) => {
    got += chunk
  })
  const ended = new Promise((resolve) => socket.once('close', resolve))
  socket.write(
    `${method} /api/v1/namespaces/team-a/pods/${pod}/${what} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${token}\r\nConnection: Upgrade\r\n${headers.join('\r\n')}\r\n\r\n`,
  )
  while (!got.includes('\r\n\r\n')) await new Promise((r) => setTimeout(r, 50))
  const end = got.indexOf('\r\n\r\n') + 4
  const head = got.slice(0, end)
  got = got.slice(end)
  return {
    head,
    async echo(bytes: string): Promise<string> {
      got = ''
      socket.write(Buffer.from(bytes, 'latin1'))
      while (got.length < bytes.length) await new Promise((r) => setTimeout(r, 50))
      return got
    },
    send: (bytes: string) => socket.write(Buffer.from(bytes, 'latin1')),
    async rest(): Promise<string> {
      await ended
      return got
    },
    close: () => socket.destroy(),
  }
}

const WEBSOCKET_PORT_FORWARD = [
  'Upgrade: websocket',
  'Sec-WebSocket-Version: 13',
  'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==',
  'Sec-WebSocket-Protocol: SPDY/3.1+portforward.k8s.io',
]

test('a SPDY frame the gateway cannot read closes the stream; port-forward over WebSocket is relayed', async () => {
  const { kubeconfig, grant } = await g.grant('create:pods/exec@team-a,create:pods/portforward@team-a')
  const { url, token, ca } = await kubeconfigParts(kubeconfig)
  const spdy = await rawUpgrade(
    url,
    ca,
    token,
    'exec?command=echo&command=spdy&stdout=true',
    ['Upgrade: SPDY/3.1', 'X-Stream-Protocol-Version: v4.channel.k8s.io'],
    'POST',
  )
  assert.match(spdy.head, /^HTTP\/1\.1 101 /)
  assert.match(spdy.head, /X-Stream-Protocol-Version: v4\.channel\.k8s\.io/i)
  // A control frame of SPDY version 2: Go's framer (and the gateway) cannot read it.
  spdy.send('\x80\x02\x00\x01\x00\x00\x00\x0a0123456789')
  assert.equal(await spdy.rest(), '', 'nothing comes back: the connection is closed')
  let actions = await actionsOf(grant.id)
  for (let i = 0; i < 100 && !actions.some((a) => a.kind === 'create pods/exec' && a.error); i++) {
    await new Promise((r) => setTimeout(r, 100))
    actions = await actionsOf(grant.id)
  }
  const exec = actions.find((a) => a.kind === 'create pods/exec')
  assert.match(exec?.error ?? '', /closed: a SPDY frame of version 2, not 3/)
  const forward = await rawUpgrade(url, ca, token, 'portforward?ports=80', WEBSOCKET_PORT_FORWARD)
  assert.match(forward.head, /^HTTP\/1\.1 101 /)
  assert.match(forward.head, /Sec-WebSocket-Protocol: SPDY\/3\.1\+portforward\.k8s\.io/i)
  assert.equal(await forward.echo('port-forward-bytes'), 'port-forward-bytes')
  forward.close()
  const other = await g.grant('create:pods/exec@team-a')
  const otherToken = (await kubeconfigParts(other.kubeconfig)).token
  const refused = await rawUpgrade(url, ca, otherToken, 'portforward?ports=80', WEBSOCKET_PORT_FORWARD)
  assert.match(refused.head, /^HTTP\/1\.1 403 /)
  assert.match(await refused.rest(), /missing scope: create:pods\/portforward:web@team-a/)
})

test('kubectl logs -f streams the log through the gateway as it is written', async () => {
  const { kubeconfig } = await g.grant('get:pods@team-a,get:pods/log@team-a')
  const logs = await g.kubectl(kubeconfig, ['-n', 'team-a', 'logs', '-f', 'web'])
  assert.equal(logs.code, 0, logs.stderr)
  assert.equal(logs.stdout, 'first line\nsecond line, later\n')
  const without = await g.grant('get:pods@team-a')
  const refused = await g.kubectl(without.kubeconfig, ['-n', 'team-a', 'logs', 'web'])
  assert.match(refused.stderr, /missing scope: get:pods\/log:web@team-a/)
})

test('a port-forward ends when its pod goes away', async () => {
  const { kubeconfig, grant } = await g.grant('create:pods/portforward@team-a')
  const { url, token, ca } = await kubeconfigParts(kubeconfig)
  const forward = await rawUpgrade(
    url,
    ca,
    token,
    'portforward?ports=80',
    WEBSOCKET_PORT_FORWARD,
    'GET',
    'doomed',
  )
  assert.match(forward.head, /^HTTP\/1\.1 101 /)
  assert.equal(await forward.echo('still-there'), 'still-there')
  standIn.deleted.add('team-a/doomed')
  await forward.rest()
  const recorded = () => actionsOf(grant.id)
  let actions = await recorded()
  for (let i = 0; i < 100 && !actions.some((a) => a.error === 'the pod was deleted'); i++) {
    await new Promise((r) => setTimeout(r, 100))
    actions = await recorded()
  }
  assert.ok(actions.some((a) => a.kind === 'create pods/portforward' && a.error === 'the pod was deleted'))
})

test('what cannot be recorded does not run: a full disk refuses the exec, one that fills cuts it', async (t) => {
  // The recordings on a real tmpfs (ENOSPC from the kernel).
  const run = promisify(execFile)
  const casts = join(g.dir, 'data', 'recordings', 'kubernetes')
  await mkdir(casts, { recursive: true })
  await run('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', casts])
  t.after(() => run('umount', ['-l', casts]).catch(() => {}))
  const { kubeconfig, grant } = await g.grant('get:pods@team-a,create:pods/exec@team-a')
  const upgrades = () => standIn.seen.filter((h) => h.upgrade).length

  // Fills while recorded: the stream is cut (kubectl fails) long before the stand-in's 64 MiB.
  const before = upgrades()
  const flood = await g.kubectl(kubeconfig, ['-n', 'team-a', 'exec', 'web', '--', 'yes', 'abcdefghij'])
  assert.equal(upgrades(), before + 1)
  assert.notEqual(flood.code, 0, 'the exec was cut')
  assert.ok(flood.stdout.length < 32 * 2 ** 20, `kubectl received ${flood.stdout.length} bytes`)

  // Full: the next exec is refused before it reaches the API server.
  await run('dd', ['if=/dev/zero', `of=${join(casts, 'filler')}`, 'bs=4k']).catch(() => {})
  const refused = await g.kubectl(kubeconfig, ['-n', 'team-a', 'exec', 'web', '--', 'echo', 'unrecorded'])
  assert.notEqual(refused.code, 0)
  assert.match(refused.stderr, /recording of this stream cannot be written.*TG_RECORDING_UNAVAILABLE/)
  assert.equal(upgrades(), before + 1, 'the refused exec never reached the API server')

  const actions = await actionsOf(grant.id)
  const execs = actions.filter((a) => a.kind === 'create pods/exec')
  assert.ok(execs.some((a) => a.text.endsWith('-- yes abcdefghij') && a.error === 'recording failed: ENOSPC'))
  assert.ok(execs.some((a) => a.text.endsWith('-- echo unrecorded') && a.error === 'recording unavailable'))

  // Space again: exec works.
  await run('find', [casts, '-type', 'f', '-delete'])
  const again = await g.kubectl(kubeconfig, ['-n', 'team-a', 'exec', 'web', '--', 'echo', 'again'])
  assert.equal(again.code, 0, again.stderr)
  assert.equal(again.stdout, 'again\n')
})

test('an exec whose framing the gateway cannot read is refused, not relayed unrecorded', async () => {
  const { grant, kubeconfig } = await g.grant('get:pods@team-a,create:pods/exec@team-a')
  const { url, token, ca } = await kubeconfigParts(kubeconfig)
  const websocket = [
    'Upgrade: websocket',
    'Sec-WebSocket-Version: 13',
    'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==',
  ]
  const before = standIn.seen.filter((h) => h.upgrade).length
  for (const headers of [
    websocket, // no subprotocol: the server may pick its binary default, unread here
    [...websocket, 'Sec-WebSocket-Protocol: base64.channel.k8s.io'], // channels as ASCII digits and base64
    [...websocket, 'Sec-WebSocket-Protocol: v4.base64.channel.k8s.io'],
    ['Upgrade: SPDY/3.1, x', 'X-Stream-Protocol-Version: v4.channel.k8s.io'],
    [
      'Upgrade: SPDY/3.1',
      'Sec-WebSocket-Protocol: v4.channel.k8s.io',
      'X-Stream-Protocol-Version: v4.channel.k8s.io',
    ],
  ]) {
    const refused = await rawUpgrade(url, ca, token, 'exec?command=echo&command=unread&stdout=true', headers)
    assert.match(refused.head, /^HTTP\/1\.1 403 /, headers.join(' | '))
    assert.match(await refused.rest(), /v5\/v4\.channel\.k8s\.io or SPDY\/3\.1 only/)
  }
  assert.equal(standIn.seen.filter((h) => h.upgrade).length, before, 'none reached the API server')
  // Offered with a binary one, the base64 variant is dropped: the server can only choose what is read.
  const mixed = await rawUpgrade(url, ca, token, 'exec?command=echo&command=read&stdout=true', [
    ...websocket,
    'Sec-WebSocket-Protocol: base64.channel.k8s.io, v4.channel.k8s.io',
  ])
  assert.match(mixed.head, /^HTTP\/1\.1 101 /)
  assert.match(mixed.head, /Sec-WebSocket-Protocol: v4\.channel\.k8s\.io/i)
  mixed.close()
  const offered = standIn.seen.filter((h) => h.upgrade).at(-1)?.['sec-websocket-protocol']
  assert.equal(offered, 'v4.channel.k8s.io')
  const actions = await actionsOf(grant.id)
  assert.ok(actions.some((a) => a.kind === 'create pods/exec' && a.error === 'unreadable stream framing'))
})

test('a terminal recording the disk takes slower than the stream holds the stream, then all of it flows', async (t) => {
  // A disk that stalls: the writer is behind from the first output until the test lets it catch up.
  let catchUp!: () => void
  const caughtUp = new Promise<void>((resolve) => {
    catchUp = resolve
  })
  let stalled = true
  let recorded = 0
  const behind = Object.getOwnPropertyDescriptor(AsciicastWriter.prototype, 'behind')!
  const { drained, output } = AsciicastWriter.prototype
  // Behind once output has come (a frame is read whole before anything of it is recorded).
  Object.defineProperty(AsciicastWriter.prototype, 'behind', {
    configurable: true,
    get: () => stalled && recorded > 0,
  })
  AsciicastWriter.prototype.drained = () => caughtUp
  AsciicastWriter.prototype.output = function (this: AsciicastWriter, chunk: Buffer, s?: 'o' | 'e' | 'i') {
    recorded += chunk.length
    return output.call(this, chunk, s)
  }
  t.after(() => {
    Object.defineProperty(AsciicastWriter.prototype, 'behind', behind)
    AsciicastWriter.prototype.drained = drained
    AsciicastWriter.prototype.output = output
  })
  const { kubeconfig } = await g.grant('get:pods@team-a,create:pods/exec@team-a')
  const run = g.kubectl(kubeconfig, ['-n', 'team-a', 'exec', 'web', '--', 'yes', 'abcdefghij'])
  for (let i = 0; i < 100 && recorded === 0; i++) await new Promise((r) => setTimeout(r, 50))
  await new Promise((r) => setTimeout(r, 1000))
  // Held: a chunk or two read past the point the writer fell behind, not the stand-in's 64 MiB.
  assert.ok(recorded > 0 && recorded < 4 * 2 ** 20, `${recorded} bytes read while the recording was behind`)
  stalled = false
  catchUp()
  const done = await run
  assert.equal(done.code, 0, done.stderr)
  // The stand-in's 64 MiB (in whole 88 KiB messages): all of it reached kubectl and the recording.
  assert.ok(done.stdout.length >= 64 * 2 ** 20, `${done.stdout.length} bytes`)
  assert.ok(recorded >= done.stdout.length, `${recorded} bytes recorded`)
})
