// ssh2's native crypto binding must load under the Node the project runs on. npm built it for the Node that
// ran npm (20 here), so it never loaded under Node 24 and ssh2 ciphered every packet in JavaScript: 2-5x
// the gateway's CPU per MB of SSH traffic. scripts/build-ssh2-crypto.mjs (postinstall) rebuilds it.
import assert from 'node:assert/strict'
import { createRequire } from 'node:module'
import { test } from 'node:test'

test("ssh2's native crypto binding loads under the project's Node (postinstall built it for this ABI)", () => {
  const require = createRequire(import.meta.url)
  const binding = require('ssh2/lib/protocol/crypto/build/Release/sshcrypto.node') as Record<string, unknown>
  assert.equal(typeof binding.ChaChaPolyCipher, 'function')
  assert.equal(typeof binding.AESGCMCipher, 'function')
})
