import type { ResourceServerOptions } from '@scopeguard/core'
import { ConfigurableModuleBuilder } from '@nestjs/common'
import { APP_GUARD } from '@nestjs/core'
import { SCOPEGUARD_MODULE_OPTIONS } from './scopeguard.constants.js'
import { ScopeguardGuard } from './scopeguard.guard.js'

/**
 * Options of `ScopeguardModule`: every option of the core's `createResourceServer` plus the
 * Nest-specific ones below.
 */
export interface ScopeguardModuleOptions extends ResourceServerOptions {
  /**
   * Execution context types, besides `http` and `graphql`, that the guard lets through unchecked,
   * e.g. `['rpc']` for the microservice side of a hybrid app. The guard denies any other type it
   * cannot read a request from (fail closed).
   * @default []
   */
  skipContextTypes?: readonly string[]
}

/** Options of `forRoot()` / `forRootAsync()` that shape the module rather than the resource server. */
export interface ScopeguardModuleExtras {
  /**
   * Register `ScopeguardGuard` as a global guard (`APP_GUARD`): every route then needs a valid
   * token unless marked `@Public()`. Off by default: protect routes with
   * `@UseGuards(ScopeguardGuard)` instead.
   * @default false
   */
  global?: boolean
}

/** A class that `forRootAsync({ useClass })` or `forRootAsync({ useExisting })` can use. */
export interface ScopeguardOptionsFactory {
  /** Returns the module options, possibly after reading configuration. */
  createScopeguardOptions(): ScopeguardModuleOptions | Promise<ScopeguardModuleOptions>
}

/**
 * The generated module base class and option types. The module is always global (import it once,
 * in the root module), so `@UseGuards(ScopeguardGuard)` works in every feature module; the
 * `global` extra decides whether the guard also applies to every route.
 */
export const { ConfigurableModuleClass: ScopeguardConfigurableModule, ASYNC_OPTIONS_TYPE } =
  new ConfigurableModuleBuilder<ScopeguardModuleOptions>({
    optionsInjectionToken: SCOPEGUARD_MODULE_OPTIONS,
  })
    .setClassMethodName('forRoot')
    .setFactoryMethodName('createScopeguardOptions')
    .setExtras<ScopeguardModuleExtras>({ global: false }, (definition, extras) => ({
      ...definition,
      global: true,
      providers: [
        ...(definition.providers ?? []),
        ...(extras.global === true ? [{ provide: APP_GUARD, useExisting: ScopeguardGuard }] : []),
      ],
    }))
    .build()

/** What `ScopeguardModule.forRootAsync()` takes: `imports`, `inject`, `useFactory` (or `useClass`/`useExisting`) and the extras. */
export type ScopeguardModuleAsyncOptions = typeof ASYNC_OPTIONS_TYPE
