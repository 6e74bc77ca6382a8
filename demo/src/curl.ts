import type { DemoClient, DemoClients } from './clients.js'

export interface CurlSetup {
  readonly tokenEndpoint: string
  readonly apiUrl: string
  readonly audience: string
  readonly clients: DemoClients
}

const extractToken = `node -pe 'JSON.parse(require("fs").readFileSync(0, "utf8")).access_token'`

function tokenCommand(setup: CurlSetup, client: DemoClient, variable: string, scope: string) {
  return [
    `${variable}=$(curl -s -u ${client.id}:${client.secret} \\`,
    `  -d grant_type=client_credentials -d 'scope=${scope}' -d resource=${setup.audience} \\`,
    `  ${setup.tokenEndpoint} | ${extractToken})`,
  ]
}

/** Copy-paste shell commands that replay the tour against the running servers. */
export function curlCommands(setup: CurlSetup): string[] {
  const { app, reader } = setup.clients
  const api = setup.apiUrl
  return [
    `# a token for ${app.id} (drop the "| node ..." part to see the whole token response)`,
    ...tokenCommand(setup, app, 'TOKEN', app.scopes.join(' ')),
    `curl -i -H "Authorization: Bearer $TOKEN" ${api}/files`,
    `curl -i -H "Authorization: Bearer $TOKEN" ${api}/me`,
    `curl -i -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \\`,
    `  -d '{"name":"notes.txt"}' ${api}/files`,
    '',
    `# ${reader.id} may only get ${reader.scopes.join(' ')}: writing is refused with 403`,
    ...tokenCommand(setup, reader, 'READER_TOKEN', reader.scopes.join(' ')),
    `curl -i -H "Authorization: Bearer $READER_TOKEN" -H 'Content-Type: application/json' \\`,
    `  -d '{"name":"notes.txt"}' ${api}/files`,
    '',
    '# no token at all: 401 with a bare Bearer challenge',
    `curl -i ${api}/files`,
  ]
}
