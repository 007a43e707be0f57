// The measuring client of ssh-exec.ts, in a worker thread: the gateway runs in the bench's main thread, so
// a client decrypting 50 MB on that same thread would charge its own work to taskgate's figure.
// workerData: { port, bytes, password auth or a user certificate minted here from the CA file }. Posts the
// rate (MB/s) and this thread's CPU time during the transfer (process.threadCpuUsage: this thread only).
import { readFile } from 'node:fs/promises'
import { parentPort, workerData } from 'node:worker_threads'
import { Client } from 'ssh2'
import { parseOpenSshEd25519 } from '../src/kinds/ssh-keys.ts'
import { CERT_TYPE, mintUserCertificate } from '../src/protocols/ssh/certificate.ts'
import { certificateKey } from '../src/protocols/ssh/vendor/ssh2-cert-auth.ts'

interface Job {
  port: number
  bytes: number
  username: string
  password?: string
  /** Direct to sshd: a certificate for `root` signed by this CA, key id = the grant id. */
  caFile?: string
  keyId?: string
}

async function options(job: Job): Promise<object> {
  if (job.password) return { username: job.username, password: job.password }
  const ca = parseOpenSshEd25519(await readFile(job.caFile!, 'utf8'))!
  const cert = mintUserCertificate({
    ca,
    login: 'root',
    keyId: job.keyId!,
    now: new Date(),
    validBefore: new Date(Date.now() + 600_000),
    permitPortForwarding: false,
  })
  const key = certificateKey(cert.privateKey, cert.certificate, CERT_TYPE)
  return { username: 'root', authHandler: [{ type: 'publickey', username: 'root', key }] }
}

const job = workerData as Job
const client = new Client()
// The cipher this leg negotiated (the client's preference order wins; the server's list decides what is possible).
let cipher = ''
client.once('handshake', (negotiated: { sc: { cipher: string } }) => {
  cipher = negotiated.sc.cipher
})
await new Promise<void>((resolve, reject) => {
  client.once('ready', () => resolve())
  client.once('error', reject)
  options(job).then((o) => client.connect({ host: '127.0.0.1', port: job.port, readyTimeout: 120_000, ...o }))
})
const started = performance.now()
const cpuBefore = process.threadCpuUsage()
let received = 0
let firstByteMs = 0
await new Promise<void>((resolve, reject) =>
  client.exec(`yes abcdefghijklmnopqrstuvwxyz | head -c ${job.bytes}`, (error, channel) => {
    if (error) return reject(error)
    channel.on('data', (chunk: Buffer) => {
      // Tells the bench the data phase began (it samples the gateway thread's scheduling from here).
      if (received === 0) {
        firstByteMs = performance.now() - started
        parentPort!.postMessage({ firstByte: true })
      }
      received += chunk.length
    })
    channel.on('close', () => resolve())
  }),
)
const seconds = (performance.now() - started) / 1000
const cpu = process.threadCpuUsage(cpuBefore)
client.end()
if (received !== job.bytes) throw new Error(`received ${received} of ${job.bytes}`)
parentPort!.postMessage({
  rate: job.bytes / 1e6 / seconds,
  cpuMs: (cpu.user + cpu.system) / 1000,
  cipher,
  firstByteMs,
  streamRate: job.bytes / 1e6 / (seconds - firstByteMs / 1000),
})
