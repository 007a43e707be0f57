// The SSH kind's built-in command guardrails, as data: each matches traits the command classifier
// (protocols/ssh/command/traits.ts) gives exec commands, SFTP writes and, as a best-effort tripwire, the
// lines typed into interactive shells. Overridable by id like every kind guardrail. A rule of the
// configuration can also hold a command for a person, e.g. `traits: [program:systemctl]` with `action: approve`
// (the classifier gives every program it finds, through wrappers, as `program:<name>`).
import type { KindGuardrail } from './resource-kind.ts'

export const SSH_GUARDRAILS: readonly KindGuardrail[] = [
  {
    id: 'no-recursive-root-delete',
    description:
      'recursive deletion of /, a top-level directory (/etc, /usr, /var, …) or the home directory (rm -r, rm --no-preserve-root, find -delete), also through sudo, sh -c, eval or find -exec',
    action: 'deny',
    traits: ['recursive-delete-root'],
  },
  {
    id: 'no-filesystem-format',
    description: 'making or wiping a file system or partition table (mkfs*, mke2fs, mkswap, wipefs, sfdisk)',
    action: 'deny',
    traits: ['filesystem-format'],
  },
  {
    id: 'no-raw-device-write',
    description:
      'writing to a block device (dd of=/dev/…, a redirection, tee or cp onto /dev/sd*, /dev/nvme*, …)',
    action: 'deny',
    traits: ['raw-device-write'],
  },
  {
    id: 'no-host-shutdown',
    description:
      'shutting down or rebooting the host (shutdown, reboot, poweroff, halt, init 0/6, systemctl poweroff)',
    action: 'deny',
    traits: ['host-shutdown'],
  },
  {
    id: 'no-download-into-shell',
    description:
      'running downloaded or decoded text as a script (curl … | sh, base64 -d | bash, sh -c "$(curl …)", bash <(wget …))',
    action: 'deny',
    traits: ['download-into-shell'],
  },
  {
    id: 'no-authorized-keys-edit',
    description:
      'changing authorized_keys (redirection, tee, sed -i, cp/mv onto it, an editor, SFTP write; an archive, checkout or copy into a home or .ssh; a relative write from a directory the command line cannot name): it would outlive the grant',
    action: 'deny',
    traits: ['authorized-keys-edit'],
  },
  {
    id: 'no-sudoers-edit',
    description:
      'changing /etc/sudoers or /etc/sudoers.d (visudo, redirection, tee, sed -i, cp/mv, an editor, SFTP write; an archive or checkout into /, /etc or /etc/sudoers.d; a relative write from a directory the command line cannot name)',
    action: 'deny',
    traits: ['sudoers-edit'],
  },
]
