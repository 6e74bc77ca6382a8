// Declaring the API's scopes once makes every requireScope('…') call checked by the compiler:
// requireScope('files:wrte') is a type error in this example.
declare module '@scopeguard/core' {
  interface Register {
    scopes: 'files:read' | 'files:write' | 'account:read'
  }
}

export {}
