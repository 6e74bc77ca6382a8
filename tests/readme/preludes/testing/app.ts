// The reader's own resource server, as the testing README's example imports it ('./app.js').
export interface App {
  request(path: string, init?: RequestInit): Promise<Response>
}

export declare function createApp(options: { issuer: string; jwksUri: string }): App
