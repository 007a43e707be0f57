// `taskgate connect ID -- psql ...`: runs the client with the grant's credential in its environment, so
// the password never appears on a command line or in shell history.
import { spawn } from 'node:child_process'
import { constants } from 'node:os'
import { resourceKind } from '../../kinds/index.ts'
import type { CredentialJson } from '../api-types.ts'
import { CliError, usageError } from '../cli-error.ts'
import { withCertificateAuthority } from '../client-ca.ts'
import { withClientKey } from '../client-key.ts'
import { type Command, requireArgs } from '../command.ts'

export const connectCommand: Command = {
  name: 'connect',
  params: 'ID -- CLIENT [ARGS...]',
  summary:
    "run a client (psql, pgbench, mysql, ...) with an active grant's credential; its exit code passes through",
  details:
    'Issues grant ID one more credential and runs CLIENT with PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE set (PostgreSQL) or MYSQL_HOST, MYSQL_TCP_PORT, MYSQL_PWD, MYSQL_USER, MYSQL_DATABASE (MySQL; the mysql/mariadb clients also get --user, --protocol=TCP and --database before your arguments), or TASKGATE_HTTP_URL and TASKGATE_HTTP_TOKEN (HTTP; curl also gets --oauth2-bearer with the token before your arguments, so other local users can see it in the process list while curl runs). For SSH it writes the credential login key (0600, in the CLI config directory) and gives ssh the port, key, user and gateway host (`taskgate connect ID -- ssh uptime`), scp/sftp the port, key and user (name the host yourself: `taskgate connect ID -- scp f 127.0.0.1:/tmp/`). Earlier credentials of the grant keep working (at most 20 per grant: the oldest is revoked first); all end with the grant.',
  async run(context) {
    const [id] = requireArgs(context, 'ID')
    const [client, ...clientArgs] = context.rest
    if (!client) throw usageError('name the client after --, e.g. taskgate connect ID -- psql')
    const credential = await context.api.post<CredentialJson>(
      `/v1/grants/${encodeURIComponent(id!)}/credential`,
    )
    const kind = resourceKind(credential.connection.kind ?? 'postgres')
    const connection = await withCertificateAuthority(
      await withClientKey(kind, credential.connection, context.io.env),
      context.io.env,
    )
    const args = [...kind.client.argumentsFor(client, connection), ...clientArgs]
    return runClient(client, args, { ...context.io.env, ...kind.client.environment(connection) })
  },
}

function runClient(
  command: string,
  args: string[],
  env: Record<string, string | undefined>,
): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: 'inherit', env })
    child.on('error', (error: NodeJS.ErrnoException) =>
      reject(new CliError('TG_CLI_CLIENT_FAILED', `cannot run ${command}: ${error.code ?? error.message}`)),
    )
    // A client killed by a signal exits like a shell reports it: 128 + signal number.
    child.on('exit', (code, signal) => resolve(code ?? 128 + (signal ? (constants.signals[signal] ?? 0) : 0)))
  })
}
