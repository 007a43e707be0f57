// Grant end must stop what a session's upstream backend is doing, not only close the client: PostgreSQL does
// not notice a closed client socket while a statement runs, so a pg_sleep ran on for 28 s and a write in
// flight committed after the revoke. First a CancelRequest with the backend's own key (any role, no login;
// protocol-flow.html#PROTOCOL-FLOW-CANCELING-REQUESTS); if the backend is still there after that,
// pg_terminate_backend from a fresh login as the same role (a role may signal its own backends, so this needs
// no `admin`).
import net from 'node:net'
import type { PostgresResourceConfig } from '../../config/schema.ts'
import { connectUpstream, type UpstreamLogin } from './back.ts'
import { CANCEL_REQUEST_CODE, serializeQuery, TERMINATE } from './wire/client-messages.ts'

const SOCKET_TIMEOUT_MS = 5_000

/** Sends a CancelRequest for backend `processId`; resolves once the server closed the request's connection. */
export function sendCancelRequest(
  target: { host: string; port: number },
  processId: number,
  secretKey: Buffer,
): Promise<void> {
  const packet = Buffer.alloc(12 + secretKey.length)
  packet.writeInt32BE(packet.length, 0)
  packet.writeInt32BE(CANCEL_REQUEST_CODE, 4)
  packet.writeInt32BE(processId, 8)
  secretKey.copy(packet, 12)
  return new Promise<void>((resolve) => {
    const socket = net.connect({ host: target.host, port: target.port }, () => socket.end(packet))
    socket.setTimeout(SOCKET_TIMEOUT_MS, () => socket.destroy())
    socket.on('close', () => resolve())
    socket.on('error', () => resolve())
  })
}

/** Terminates backend `processId` as `login` (the role the backend runs as). */
export async function terminateBackend(
  target: PostgresResourceConfig['target'],
  database: string,
  login: UpstreamLogin,
  processId: number,
): Promise<void> {
  const upstream = await connectUpstream(target, login, { database })
  const { socket } = upstream
  await new Promise<void>((resolve) => {
    const timer = setTimeout(() => socket.destroy(), SOCKET_TIMEOUT_MS)
    socket.on('close', () => {
      clearTimeout(timer)
      resolve()
    })
    socket.on('error', () => {})
    socket.resume()
    // The server answers the query, then reads the Terminate and closes: its close is the end of both.
    socket.write(
      Buffer.concat([
        serializeQuery(`SELECT pg_catalog.pg_terminate_backend(${Math.trunc(processId)})`),
        TERMINATE,
      ]),
    )
  })
}
