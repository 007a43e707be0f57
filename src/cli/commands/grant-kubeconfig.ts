// `taskgate grant kubeconfig ID`: a kubeconfig that points kubectl at the gateway for one Kubernetes grant:
// HTTPS with the gateway's CA embedded (kubectl sends no bearer token over http://, and verifies the IP SAN),
// the grant credential as its token. One file is one login for the whole task (the gateway keeps one session
// per credential), never a prompt per kubectl call. Written 0600: it holds the credential.
import { chmod, open } from 'node:fs/promises'
import { resolve } from 'node:path'
import { stringify } from 'yaml'
import type { CredentialJson } from '../api-types.ts'
import { CliError } from '../cli-error.ts'
import { type Command, requireArgs, stringOption } from '../command.ts'
import { printJson } from '../output.ts'

export function kubeconfigFor(credential: CredentialJson): Record<string, unknown> {
  const c = credential.connection
  const host = c.host.includes(':') ? `[${c.host}]` : c.host
  const name = `taskgate-${credential.resourceId}`
  return {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [
      {
        name,
        cluster: {
          server: `https://${host}:${c.port}`,
          ...(c.certificateAuthority
            ? { 'certificate-authority-data': Buffer.from(c.certificateAuthority).toString('base64') }
            : {}),
        },
      },
    ],
    users: [{ name: `${name}-${credential.grantId}`, user: { token: `${c.user}.${c.password}` } }],
    contexts: [{ name, context: { cluster: name, user: `${name}-${credential.grantId}` } }],
    'current-context': name,
  }
}

export const grantKubeconfigCommand: Command = {
  name: 'grant kubeconfig',
  params: 'ID',
  summary: 'write a kubeconfig (0600) pointing kubectl at the gateway for an active Kubernetes grant',
  details:
    'Use as: taskgate grant kubeconfig ID --out ./task.kubeconfig && export KUBECONFIG=$PWD/task.kubeconfig. The file holds a new credential of the grant (HTTPS, the gateway CA embedded); every kubectl call with it is the same login until the grant ends. Without --out it is written to ./taskgate-ID.kubeconfig.',
  options: {
    out: {
      type: 'string',
      value: 'FILE',
      description: 'where to write it (default ./taskgate-ID.kubeconfig)',
    },
  },
  async run(context) {
    const [id] = requireArgs(context, 'ID')
    const credential = await context.api.post<CredentialJson>(
      `/v1/grants/${encodeURIComponent(id!)}/credential`,
    )
    if ((credential.connection.kind ?? '') !== 'kubernetes')
      throw new CliError(
        'TG_REQUEST_INVALID',
        `grant ${id} is on a ${credential.connection.kind} resource; use \`taskgate grant env\``,
      )
    const path = resolve(stringOption(context, 'out') ?? `taskgate-${id}.kubeconfig`)
    // Created 0600 (and tightened if it existed) before the credential is written into it.
    const file = await open(path, 'w', 0o600)
    try {
      await chmod(path, 0o600)
      await file.writeFile(stringify(kubeconfigFor(credential)))
    } finally {
      await file.close()
    }
    if (context.json) return printJson(context.io, { path, grantId: credential.grantId })
    context.io.stdout(`wrote ${path}\nexport KUBECONFIG=${path}\n`)
  },
}
