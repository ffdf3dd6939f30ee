/**
 * The library's zod: the tree-shakable `zod/mini` API (the classic `zod` API cannot be tree-shaken and
 * made up most of a browser bundle). Import it as a namespace, `import * as z from '../zod.js'`, so that
 * bundlers keep only what is used. zod/mini ships no error messages of its own, so English ones are
 * registered here, unless the application has already chosen a locale with z.config() (the same rule as
 * classic zod, which would otherwise give "Invalid input" for every problem). Every schema module imports
 * zod from here, never from 'zod' directly.
 */
import { config } from 'zod/mini';
import en from 'zod/v4/locales/en.js';

if (!config().localeError) config(en());

export * from 'zod/mini';
