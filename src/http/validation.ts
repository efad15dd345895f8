import { AjvCompiler } from '@fastify/ajv-compiler';
import type { FastifySchemaCompiler } from 'fastify';

/**
 * Strict by default: a wrong type is an error, not something to coerce into shape, and an unknown
 * property is refused rather than dropped (Fastify's defaults do both). The standalone server sets
 * these as its Ajv options; mounted in an app, oto's routes get a compiler of their own with them,
 * so the app's Ajv settings never loosen oto's validation.
 */
export const AJV_OPTIONS = { coerceTypes: false, removeAdditional: false, allErrors: true } as const;

export function strictValidatorCompiler(): FastifySchemaCompiler<unknown> {
  const build = AjvCompiler();
  return build({}, { customOptions: { ...AJV_OPTIONS } }) as FastifySchemaCompiler<unknown>;
}
