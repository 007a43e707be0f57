// The SSH resource kind as data: its configuration, scope verbs, credential verifier (the public half of
// the login key derived from the grant password, see ssh-keys.ts) and how OpenSSH clients reach it. The
// engine is protocols/ssh/.
import { basename } from 'node:path'
import { z } from 'zod'
import { resourceListen, secretRef } from '../config/schema-parts.ts'
import type { ResourceKind } from './resource-kind.ts'
import { SSH_GUARDRAILS } from './ssh-guardrails.ts'
import { ed25519PublicBlob, loginKeyFromPassword, openSshPrivateKey } from './ssh-keys.ts'
import { SSH_SCOPE_VERBS } from './ssh-scope.ts'
import { terminalRecordingSchema } from './terminal-recording.ts'

const loginName = z
  .string()
  .regex(/^[a-z_][a-z0-9_.-]{0,31}$/, 'expected a POSIX login name (lower case, at most 32 characters)')

export const sshResourceSchema = z.strictObject({
  id: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'expected lowercase letters, digits and dashes'),
  kind: z.literal('ssh'),
  description: z.string().default(''),
  listen: resourceListen.describe('where clients (ssh, scp, sftp, ssh2) connect to reach this resource'),
  target: z
    .strictObject({
      host: z.string().min(1),
      port: z.number().int().min(1).max(65535).default(22),
      hostKey: z
        .string()
        .regex(/^(ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp(256|384|521)) [A-Za-z0-9+/=]+( .*)?$/, {
          message: 'expected a public key line such as `ssh-ed25519 AAAA…`',
        })
        .optional()
        .describe(
          "the target's host key (`ssh-keyscan -t ed25519 HOST`); a different key refuses the session",
        ),
      knownHosts: z
        .string()
        .min(1)
        .optional()
        .describe("a known_hosts file holding the target's entry (plain or hashed), instead of hostKey"),
    })
    .refine((t) => (t.hostKey === undefined) !== (t.knownHosts === undefined), {
      message: 'give exactly one of hostKey and knownHosts: the target is never trusted on first use',
    })
    .describe('the real SSH server'),
  logins: z
    .array(loginName)
    .min(1)
    .max(32)
    .describe('login users on the target a grant may name (scope `exec:deploy`, `shell:root`)'),
  upstreamAuth: z
    .union([
      z.strictObject({
        certificate: z
          .strictObject({
            ca: secretRef
              .optional()
              .describe(
                "the CA's OpenSSH private key; generated once under store.dir/ssh/ (0600) when absent",
              ),
          })
          .describe(
            'per session, a user certificate signed by the gateway CA: valid for the rest of the grant, principal = the login, key id = the grant id (the target trusts the CA with TrustedUserCAKeys)',
          ),
      }),
      z.strictObject({
        key: secretRef.describe('an OpenSSH private key the target accepts for every login'),
      }),
    ])
    .default({ certificate: {} })
    .describe('how the gateway logs in to the target'),
  hostKey: secretRef
    .optional()
    .describe(
      "the gateway's own host key for this resource (OpenSSH private key); generated once under store.dir/ssh/ (0600) when absent, so it stays the same across restarts",
    ),
  recording: terminalRecordingSchema(
    'bytes of terminal recording kept per session; past it the session goes on and the recording says where it stopped',
    'shell and exec stream recording (asciicast v2 under store.dir/recordings/, 0600)',
  ),
})

/** OpenSSH programs `taskgate connect` gives the port, user and key file. */
const PORT_FLAG: Record<string, string> = { ssh: '-p', scp: '-P', sftp: '-P' }

export const sshKind: ResourceKind = {
  name: 'ssh',
  scopeVerbs: SSH_SCOPE_VERBS,
  defaultGuardrails: SSH_GUARDRAILS,
  /** The public key of the credential's login key (ssh-keys.ts), base64 of its SSH blob. */
  credentialVerifiers: (password) => ({
    loginKey: ed25519PublicBlob(loginKeyFromPassword(password).publicKey).toString('base64'),
  }),
  client: {
    /** No OpenSSH variable names a host or user: these are for scripts; SSHPASS is read by sshpass. */
    environment: (c) => ({
      TASKGATE_SSH_HOST: c.host,
      TASKGATE_SSH_PORT: String(c.port),
      TASKGATE_SSH_USER: c.user,
      SSHPASS: c.password,
      ...(c.keyFile ? { TASKGATE_SSH_KEY: c.keyFile } : {}),
    }),
    argumentsFor: (client, c) => {
      const program = basename(client)
      const flag = PORT_FLAG[program]
      if (!flag) return []
      const key = c.keyFile ? ['-i', c.keyFile, '-o', 'IdentitiesOnly=yes'] : []
      // The gateway's host key pinned: no trust-on-first-use prompt, and a different key refuses.
      const pinned = c.knownHostsFile
        ? ['-o', `UserKnownHostsFile=${c.knownHostsFile}`, '-o', 'StrictHostKeyChecking=yes']
        : []
      const common = [flag, String(c.port), ...key, ...pinned, '-o', `User=${c.user}`]
      // ssh reads options after the destination too, so the command the user adds still works.
      return program === 'ssh' ? [...common, c.host] : common
    },
    commandLine: (c) =>
      `ssh -p ${c.port}${c.keyFile ? ` -i ${c.keyFile} -o IdentitiesOnly=yes` : ''} ${c.user}@${c.host}`,
    privateKey: (c) => openSshPrivateKey(loginKeyFromPassword(c.password), `taskgate ${c.user}`),
  },
}
