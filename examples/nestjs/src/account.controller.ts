import { Controller, Get } from '@nestjs/common'
import {
  Auth,
  RefuseDelegation,
  RequireAuthentication,
  Scopes,
  type AuthInfo,
} from '@scopeguard/nestjs'

/**
 * `GET /account`: a recent multi-factor login (RFC 9470 step-up, checked first), `account:read`,
 * and the user themselves: a service acting for them with a delegated token is refused.
 */
@Controller('account')
export class AccountController {
  @Get()
  @RequireAuthentication({ acrValues: ['urn:mfa'], maxAge: 300 })
  @Scopes('account:read')
  @RefuseDelegation()
  account(@Auth() auth: AuthInfo): Record<string, unknown> {
    return { sub: auth.subject, acr: auth.claims['acr'], auth_time: auth.claims['auth_time'] }
  }
}
