// Identifiers of packages/nestjs/README.md's fragments.
import type * as common from '@nestjs/common'
import type * as config from '@nestjs/config'
import type * as nestCore from '@nestjs/core'
import type * as nest from '@scopeguard/nestjs'

declare global {
  const issuer: string
  const Controller: typeof common.Controller
  const Injectable: typeof common.Injectable
  const Inject: typeof common.Inject
  const Post: typeof common.Post
  const UseGuards: typeof common.UseGuards
  const ConfigModule: typeof config.ConfigModule
  const ConfigService: typeof config.ConfigService
  type ConfigService = config.ConfigService
  const Reflector: typeof nestCore.Reflector
  type Reflector = nestCore.Reflector
  const HttpAdapterHost: typeof nestCore.HttpAdapterHost
  type HttpAdapterHost = nestCore.HttpAdapterHost
  const APP_FILTER: typeof nestCore.APP_FILTER
  // @nestjs/graphql's decorators, reduced to their roles (the package is not installed here)
  const Resolver: (type?: () => unknown) => ClassDecorator
  const Query: (type: () => unknown) => MethodDecorator
  const ResolveField: () => MethodDecorator
  const Parent: () => ParameterDecorator
  const ScopeguardModule: typeof nest.ScopeguardModule
  const ScopeguardGuard: typeof nest.ScopeguardGuard
  const ScopeguardExceptionFilter: typeof nest.ScopeguardExceptionFilter
  const SCOPEGUARD_MODULE_OPTIONS: typeof nest.SCOPEGUARD_MODULE_OPTIONS
  type ScopeguardModuleOptions = nest.ScopeguardModuleOptions
  type ResourceServer = nest.ResourceServer
  type AuthInfo = nest.AuthInfo
  const Public: typeof nest.Public
  const Scopes: typeof nest.Scopes
  const Auth: typeof nest.Auth
  /** The injection token of a second resource server. */
  const MCP_RESOURCE_SERVER: unique symbol
  class Employee {
    name: string
  }
}
