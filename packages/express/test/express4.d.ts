// Express 4 is installed under the alias `express4` to run the same tests on both majors; its
// API used here is the same as Express 5's.
declare module 'express4' {
  import express from 'express'
  export default express
}
