// What an exec's recording keeps of its output, through a real gateway and a real Debian sshd: secrets the
// credential detectors find are masked even where sshd's packets cut a long line inside one (the client
// still reads them: masking is the recording's), and a binary flood is a size marker, not escaped JSON.
import assert from 'node:assert/strict'
import { readdir, readFile, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { test } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { exec, type SshGateway, startSshGateway } from '../../support/start-ssh-gateway.ts'

/** The session's one exec recording, once the exec's outcome is recorded (the file is closed by then). */
async function recordingOf(g: SshGateway, grantId: string): Promise<{ text: string; bytes: number }> {
  for (let i = 0; i < 200; i++) {
    const [session] = await g.gateway.core.listSessions(g.admin, { grantId })
    if (session) {
      const { actions } = await g.gateway.core.getSession(g.admin, session.id)
      if (actions.some((a) => a.durationMs !== undefined)) {
        const dir = join(g.dir, 'data', 'recordings', 'ssh', session.id)
        const [file] = await readdir(dir)
        const path = join(dir, file!)
        return { text: await readFile(path, 'utf8'), bytes: (await stat(path)).size }
      }
    }
    await sleep(50)
  }
  assert.fail('the exec was not recorded')
}

const outputOf = (text: string) =>
  text
    .trim()
    .split('\n')
    .slice(1)
    .map((line) => JSON.parse(line) as [number, string, string])
    .filter(([, code]) => code === 'o')
    .map(([, , data]) => data)
    .join('')

test('tokens in a 300 KB line are all masked in the recording, those cut by a packet boundary too', async () => {
  await using g = await startSshGateway()
  const { grant, credential } = await g.grant('exec:root')
  const client = await g.connect(credential)
  const token = `ghp_${'aB3dE5gH7j'.repeat(3)}aB3dE5`
  // One write of one line: sshd sends it in 32 KiB packets, ~10 of which end inside one of the 6,000 tokens.
  const result = await exec(client, `printf 'key=${token}, %.0s' $(seq 1 6000); echo`)
  client.end()
  assert.equal(result.code, 0)
  assert.equal(result.stdout, `${`key=${token}, `.repeat(6000)}\n`)
  const { text } = await recordingOf(g, grant.id)
  const leaked = /.{0,20}(ghp_|aB3dE5gH7jaB3dE5\b).{0,20}/.exec(text)
  assert.equal(leaked, null, `a token's part is in the recording: ${leaked?.[0]}`)
  assert.equal(outputOf(text), `${'key=****, '.repeat(6000)}\n`)
})

test('a binary flood through the gateway is recorded as its size, the client gets every byte', async () => {
  await using g = await startSshGateway()
  const { grant, credential } = await g.grant('exec:root')
  const client = await g.connect(credential)
  const result = await exec(client, 'head -c 8000000 /dev/zero; echo done')
  client.end()
  assert.equal(result.stdout.length, 8_000_005)
  const { text, bytes } = await recordingOf(g, grant.id)
  assert.ok(bytes < 4096, `${bytes} bytes of recording`)
  // `done` is recorded as text, or counted with the zeros when sshd sent it in the same read as their end
  // (the recorder classifies what arrives together): either way every byte is accounted for once.
  const counted = Number(/binary output: (\d+) bytes not recorded/.exec(text)?.[1])
  const shown = outputOf(text)
  assert.ok(counted >= 8_000_000, text)
  assert.equal(counted + Buffer.byteLength(shown), 8_000_005, text)
  assert.ok(shown === 'done\n' || shown === '', text)
})
