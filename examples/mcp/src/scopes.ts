// Declaring the server's scopes once makes every requireScope('…') call checked by the compiler.
declare module '@scopeguard/core' {
  interface Register {
    scopes: 'mcp:tools' | 'mcp:admin'
  }
}

export {}
