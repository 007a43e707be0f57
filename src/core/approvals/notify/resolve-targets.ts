import type { Config, SecretRef } from '../../../config/schema.ts'
import type { NotificationTarget } from './notifier.ts'

/**
 * Turns the config's notification targets into the notifier's, reading each secret (and a URL given as a
 * secret) through `resolveSecret` (config/load.ts's, passed in so core does not load files itself).
 */
export async function resolveNotificationTargets(
  notifications: Config['notifications'],
  resolveSecret: (ref: SecretRef, where: string) => Promise<string>,
): Promise<NotificationTarget[]> {
  const targets: NotificationTarget[] = []
  for (const [i, t] of (notifications?.targets ?? []).entries()) {
    const where = `notifications.targets[${i}]`
    targets.push({
      id: t.id,
      kind: t.kind,
      url: typeof t.url === 'string' ? t.url : await resolveSecret(t.url, `${where}.url`),
      ...(t.secret ? { secret: await resolveSecret(t.secret, `${where}.secret`) } : {}),
      ...(t.events ? { events: t.events } : {}),
      maxAttempts: t.maxAttempts,
    })
  }
  return targets
}
