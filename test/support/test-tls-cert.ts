// A self-signed certificate for 127.0.0.1 (IP and DNS names), for test receivers that speak TLS.
import { generate } from 'selfsigned'

export interface TestCert {
  cert: string
  key: string
}

export async function generateLoopbackCert(): Promise<TestCert> {
  const pems = await generate([{ name: 'commonName', value: '127.0.0.1' }], {
    keySize: 2048,
    algorithm: 'sha256',
    extensions: [
      { name: 'basicConstraints', cA: true },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, keyCertSign: true },
      { name: 'extKeyUsage', serverAuth: true, clientAuth: true },
      {
        name: 'subjectAltName',
        altNames: [
          { type: 7, ip: '127.0.0.1' },
          { type: 2, value: 'localhost' },
        ],
      },
    ],
  })
  return { cert: pems.cert, key: pems.private }
}
