import { Controller, Get } from '@nestjs/common'
import { Public } from '@scopeguard/nestjs'

/** `GET /health`: public, even though the guard is global. */
@Controller('health')
export class HealthController {
  @Public()
  @Get()
  health(): { status: string } {
    return { status: 'ok' }
  }
}
