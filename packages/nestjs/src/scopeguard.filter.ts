import { Catch, Inject, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common'
import { HttpAdapterHost } from '@nestjs/core'
import { OAuthError } from '@scopeguard/core'
import { toScopeguardException, type ScopeguardException } from './scopeguard.exception.js'

/**
 * Renders core scopeguard errors thrown outside the guard — e.g. `rs.authorize(auth, …)` or
 * `rs.verifyToken(…)` in a handler or service — with their RFC 6750 status, headers and body.
 * Without it, Nest answers such an error with its own body and no `WWW-Authenticate`. Register
 * it globally: `{ provide: APP_FILTER, useClass: ScopeguardExceptionFilter }`. In GraphQL it
 * returns the equivalent {@link ScopeguardException} for the GraphQL driver to report.
 */
@Catch(OAuthError)
export class ScopeguardExceptionFilter implements ExceptionFilter<OAuthError> {
  constructor(@Inject(HttpAdapterHost) private readonly adapterHost: HttpAdapterHost) {}

  catch(error: OAuthError, host: ArgumentsHost): ScopeguardException | undefined {
    const http = host.getType() === 'http'
    const exception = toScopeguardException(error, { statusCodeInBody: !http })
    if (exception === undefined) throw error
    if (!http) return exception
    const adapter = this.adapterHost.httpAdapter
    const response = host.switchToHttp().getResponse<object>()
    for (const [name, value] of Object.entries(exception.headers)) {
      adapter.setHeader(response, name, value)
    }
    adapter.reply(response, exception.getResponse(), exception.getStatus())
    return undefined
  }
}
