// The vendored ssh2 #551 fix against a real Debian sshd: the ssh2 client logs in with a certificate the
// gateway's CA minted (sshd checks it against TrustedUserCAKeys and names its key id), and sshd refuses it
// once it is past its validity (never silently replaced by another key).
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { Client } from 'ssh2'
import { startSshd, type ThrowawaySshd } from '../../../../test/support/start-sshd.ts'
import { generateEd25519, publicKeyLine } from '../../../kinds/ssh-keys.ts'
import { CERT_TYPE, mintUserCertificate } from '../certificate.ts'
import { certificateKey } from './ssh2-cert-auth.ts'

/** A throwaway sshd trusting `ca`, stopped after `run`. */
async function withSshd(
  ca: { publicKey: Buffer },
  run: (sshd: ThrowawaySshd) => Promise<void>,
): Promise<void> {
  const sshd = await startSshd({ trustedUserCaKeys: [publicKeyLine(ca.publicKey)] })
  try {
    await run(sshd)
  } finally {
    await sshd[Symbol.asyncDispose]()
  }
}

function login(port: number, key: unknown): Promise<string> {
  const client = new Client()
  return new Promise((resolve, reject) => {
    client.on('ready', () =>
      client.exec('id -un', (error, channel) => {
        if (error) return reject(error)
        let out = ''
        channel.on('data', (chunk: Buffer) => {
          out += chunk.toString()
        })
        channel.on('close', () => {
          client.end()
          resolve(out.trim())
        })
      }),
    )
    client.on('error', reject)
    client.connect({
      host: '127.0.0.1',
      port,
      username: 'root',
      authHandler: [{ type: 'publickey', username: 'root', key } as never],
    })
  })
}

test('the ssh2 client logs in to sshd with a CA-signed user certificate, whose key id sshd logs', async () => {
  const ca = generateEd25519()
  await withSshd(ca, async (sshd) => {
    const now = new Date()
    const cert = mintUserCertificate({
      ca,
      login: 'root',
      keyId: 'g_cert_test',
      now,
      validBefore: new Date(now.getTime() + 60_000),
      permitPortForwarding: false,
    })
    assert.equal(await login(sshd.port, certificateKey(cert.privateKey, cert.certificate, CERT_TYPE)), 'root')
    assert.match(sshd.log(), /Accepted publickey for root .*ED25519-CERT .*ID g_cert_test /)
  })
})

test('an expired certificate is refused by sshd and nothing else is tried', async () => {
  const ca = generateEd25519()
  await withSshd(ca, async (sshd) => {
    const cert = mintUserCertificate({
      ca,
      login: 'root',
      keyId: 'g_expired',
      now: new Date(Date.now() - 3_600_000),
      validBefore: new Date(Date.now() - 1_800_000),
      permitPortForwarding: false,
    })
    await assert.rejects(
      login(sshd.port, certificateKey(cert.privateKey, cert.certificate, CERT_TYPE)),
      /authentication methods failed/,
    )
    assert.doesNotMatch(sshd.log(), /Accepted publickey/)
  })
})

test('a certificate for another principal is refused', async () => {
  const ca = generateEd25519()
  await withSshd(ca, async (sshd) => {
    const cert = mintUserCertificate({
      ca,
      login: 'deploy',
      keyId: 'g_other',
      now: new Date(),
      validBefore: new Date(Date.now() + 60_000),
      permitPortForwarding: false,
    })
    await assert.rejects(login(sshd.port, certificateKey(cert.privateKey, cert.certificate, CERT_TYPE)))
  })
})
