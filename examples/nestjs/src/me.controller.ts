import { Controller, Get } from '@nestjs/common'
import { Auth, type AuthInfo } from '@scopeguard/nestjs'

/** `GET /me`: any valid token; describes the caller. */
@Controller('me')
export class MeController {
  @Get()
  me(@Auth() auth: AuthInfo): Record<string, unknown> {
    return {
      sub: auth.subject,
      client_id: auth.clientId || undefined,
      scopes: auth.scopes,
      issuer: auth.issuer,
      expires_at:
        auth.expiresAt === undefined ? undefined : new Date(auth.expiresAt * 1000).toISOString(),
      // RFC 8693: who acts for the subject, closest actor first (empty for a direct token).
      actors: auth.actors.map((actor) => actor.subject),
    }
  }
}
