import { Body, Controller, Get, Post } from '@nestjs/common'
import { Auth, Scopes, type AuthInfo } from '@scopeguard/nestjs'
import './scopes.js'

/** An in-memory file list, enough to show reads and writes. */
interface FileEntry {
  id: number
  name: string
  owner: string | undefined
}

/** `GET /files` needs `files:read`; `POST /files` needs `files:write` and answers 201. */
@Controller('files')
export class FilesController {
  private readonly files: FileEntry[] = [{ id: 1, name: 'welcome.txt', owner: undefined }]

  @Get()
  @Scopes('files:read')
  list(): { files: FileEntry[] } {
    return { files: this.files }
  }

  @Post()
  @Scopes('files:write')
  create(@Auth() auth: AuthInfo, @Body() body: { name?: unknown } | undefined): FileEntry {
    const name = typeof body?.name === 'string' ? body.name : `file-${this.files.length + 1}.txt`
    const file = { id: this.files.length + 1, name, owner: auth.subject }
    this.files.push(file)
    return file
  }
}
