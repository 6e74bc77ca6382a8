// Koa 2 is installed under the alias `koa2` to run the same tests on both majors; the API used
// here is the same as Koa 3's, so it borrows Koa 3's types.
declare module 'koa2' {
  import Koa from 'koa'
  export default Koa
}
