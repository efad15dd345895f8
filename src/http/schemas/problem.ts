/**
 * The JSON schema of a problem response (RFC 9457), for the route schemas, the OpenAPI document and
 * the typed client. It lives apart from HttpProblem (../problem.ts) so that the schema modules, and
 * the client built on them, load no server code.
 */
export const problemSchema = {
  type: 'object',
  properties: {
    type: { type: 'string' },
    title: { type: 'string' },
    status: { type: 'integer' },
    code: { type: 'string' },
    detail: { type: 'string' },
    errors: {
      type: 'array',
      items: { type: 'object', properties: { field: { type: 'string' }, message: { type: 'string' } } },
    },
  },
  required: ['type', 'title', 'status', 'code'],
} as const;
