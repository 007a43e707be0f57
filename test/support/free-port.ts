// A TCP port on 127.0.0.1 for a real server a test starts on a port of its own choosing (sshd, MariaDB,
// rsyslog, kube-apiserver, PHP's server…). Picked at random below the kernel's ephemeral range, where no
// `listen(0)` and no outgoing connection of another test file is given a port, and checked free by binding
// it. The old way (`listen(0)`, read the port, close) handed back a port from the ephemeral range that
// another test file's `listen(0)` could get before the server bound it: sshd once exited with "Address
// already in use". A fixture that still meets a taken port may start again on another (start-sshd.ts does).
import { readFileSync } from 'node:fs'
import net from 'node:net'

const LOWEST = 20_000

export async function freePort(): Promise<number> {
  const highest = ephemeralStart() - 1
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = LOWEST + Math.floor(Math.random() * (highest - LOWEST + 1))
    if (await bindable(port)) return port
  }
  throw new Error(`no free port between ${LOWEST} and ${highest}`)
}

/** The first port of the kernel's ephemeral range (Linux; 32768 elsewhere or when unreadable). */
function ephemeralStart(): number {
  try {
    const first = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').split(/\s+/)[0])
    return Number.isInteger(first) && first > LOWEST + 1000 ? first : 32_768
  } catch {
    return 32_768
  }
}

function bindable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer()
    server.once('error', () => resolve(false))
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)))
  })
}
