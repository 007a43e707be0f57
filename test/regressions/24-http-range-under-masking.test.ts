// A masking rule on a JSON key (`internal_code`) must hold for any part of a body: a client asking for a byte
// range (`Range: bytes=20-`) got a fragment that starts inside the document, which the JSON masker cannot walk
// from its root, so only the detectors read it and the keyed value went out in clear. Under masking the
// gateway now asks for the whole representation (Range and If-Range are not forwarded) and masks that. The
// upstream is a real Apache httpd serving a JSON file, which honours Range as static file servers do.
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, test } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { freePort } from '../support/free-port.ts'
import { type HttpGateway, startHttpGateway } from '../support/start-http-gateway.ts'

let dir: string
let httpd: ReturnType<typeof spawn>
let g: HttpGateway
let port: number

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tg-httpd-'))
  port = await freePort()
  await writeFile(join(dir, 'data.json'), '{"rows":[{"internal_code":"SECRET-CODE-42","name":"x"}]}\n')
  const modules = '/usr/lib/apache2/modules'
  await writeFile(
    join(dir, 'httpd.conf'),
    [
      `ServerRoot ${dir}`,
      `LoadModule mpm_event_module ${modules}/mod_mpm_event.so`,
      `LoadModule authz_core_module ${modules}/mod_authz_core.so`,
      `LoadModule mime_module ${modules}/mod_mime.so`,
      `Listen 127.0.0.1:${port}`,
      `PidFile ${dir}/httpd.pid`,
      `ErrorLog ${dir}/error.log`,
      `DocumentRoot ${dir}`,
      'ServerName localhost',
      'TypesConfig /etc/mime.types',
      `<Directory ${dir}>`,
      '  Require all granted',
      '</Directory>',
    ].join('\n'),
  )
  httpd = spawn('/usr/sbin/apache2', ['-X', '-f', join(dir, 'httpd.conf')], { stdio: 'ignore' })
  for (let i = 0; i < 100; i++) {
    const ok = await fetch(`http://127.0.0.1:${port}/data.json`).then(
      (r) => r.ok,
      () => false,
    )
    if (ok) break
    await sleep(50)
  }
  g = await startHttpGateway({
    upstream: `http://127.0.0.1:${port}`,
    extraConfig: `
masking:
  rules:
    - id: internal
      style: redact
      columns: [internal_code]`,
  })
})
after(async () => {
  await g?.[Symbol.asyncDispose]()
  httpd?.kill()
  await rm(dir, { recursive: true, force: true })
})

test('a byte range of a masked JSON body never carries a keyed value in clear', async () => {
  const { token } = await g.grant('GET:/data.json')
  const whole = await g.fetch('/data.json', token)
  assert.equal(whole.status, 200)
  assert.doesNotMatch(await whole.text(), /SECRET-CODE-42/)
  for (const range of ['bytes=20-', 'bytes=10-60', 'bytes=-40']) {
    const res = await g.fetch('/data.json', token, { headers: { range } })
    const text = await res.text()
    assert.doesNotMatch(text, /SECRET-CODE-42/, `${range}: ${res.status} ${text}`)
    assert.equal(res.status, 200, range)
  }
})
