import { problemSchema } from './problem.ts';

/** Invitations and grants (routes/invitations.ts). */

const token = { type: 'string', maxLength: 512 } as const;

const invitationSchema = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    email: { type: 'string' },
    scope: { type: 'string' },
    role: { type: 'string' },
    expiresAt: { type: 'string' },
    createdAt: { type: 'string' },
  },
} as const;

const errors = {
  400: problemSchema,
  401: problemSchema,
  403: problemSchema,
  404: problemSchema,
  409: problemSchema,
  410: problemSchema,
  422: problemSchema,
  429: problemSchema,
} as const;

export const invite = {
  method: 'POST',
  url: '/invitations',
  schema: {
    tags: ['invitations'],
    summary: 'Invite an address into a scope with a role',
    description:
      'Inviting the same address to the same scope again supersedes the open invitation. ' +
      'Beyond the default scope and role, the inviter must hold the role (or "owner") in the scope.',
    body: {
      type: 'object',
      required: ['email'],
      additionalProperties: false,
      properties: {
        email: { type: 'string', maxLength: 1024 },
        scope: { type: 'string', maxLength: 1024 },
        role: { type: 'string', maxLength: 1024 },
      },
    },
    response: { 201: invitationSchema, ...errors },
  },
} as const;

export const listInvitations = {
  method: 'GET',
  url: '/invitations',
  schema: {
    tags: ['invitations'],
    summary: "The logged-in user's open invitations, newest first",
    response: {
      200: { type: 'object', properties: { invitations: { type: 'array', items: invitationSchema } } },
      401: problemSchema,
    },
  },
} as const;

export const revokeInvitation = {
  method: 'DELETE',
  url: '/invitations/:id',
  schema: {
    tags: ['invitations'],
    summary: 'Revoke one of your open invitations',
    params: { type: 'object', properties: { id: { type: 'string', maxLength: 64 } } },
    response: { 204: { type: 'null' }, ...errors },
  },
} as const;

export const inspectInvitation = {
  method: 'POST',
  url: '/invitations/inspect',
  schema: {
    tags: ['invitations'],
    summary: 'Read an invitation link without consuming it',
    body: { type: 'object', required: ['token'], additionalProperties: false, properties: { token } },
    response: {
      200: {
        type: 'object',
        properties: {
          id: { type: 'string' },
          inviter: { type: 'string' },
          email: { type: 'string' },
          scope: { type: 'string' },
          role: { type: 'string' },
          expiresAt: { type: 'string' },
          accountExists: { type: 'boolean' },
        },
      },
      ...errors,
    },
  },
} as const;

export const acceptInvitation = {
  method: 'POST',
  url: '/invitations/accept',
  schema: {
    tags: ['invitations'],
    summary: 'Accept an invitation',
    description:
      'Without an account for the invited address, a password creates one (verified) and logs in. ' +
      "With one, the request must come from that account's session. Refusals leave the link usable.",
    body: {
      type: 'object',
      required: ['token'],
      additionalProperties: false,
      properties: { token, password: { type: 'string', maxLength: 4096 } },
    },
    response: {
      200: {
        type: 'object',
        properties: {
          status: { type: 'string', enum: ['account_created', 'accepted'] },
          sessionToken: { type: 'string' },
          expiresAt: { type: 'string' },
        },
      },
      ...errors,
    },
  },
} as const;

export const listGrants = {
  method: 'GET',
  url: '/me/grants',
  schema: {
    tags: ['invitations'],
    summary: "The logged-in user's grants: scopes and roles",
    response: {
      200: {
        type: 'object',
        properties: {
          grants: {
            type: 'array',
            items: {
              type: 'object',
              properties: {
                scope: { type: 'string' },
                role: { type: 'string' },
                invitedBy: { type: ['string', 'null'] },
                createdAt: { type: 'string' },
              },
            },
          },
        },
      },
      401: problemSchema,
    },
  },
} as const;

export const addGrant = {
  method: 'POST',
  url: '/grants',
  schema: {
    tags: ['invitations'],
    summary: 'Grant a user a role in a scope (API key)',
    security: [{ apiKey: [] }],
    body: {
      type: 'object',
      required: ['userId', 'scope', 'role'],
      additionalProperties: false,
      properties: {
        userId: { type: 'string', maxLength: 64 },
        scope: { type: 'string', maxLength: 1024 },
        role: { type: 'string', maxLength: 1024 },
      },
    },
    response: {
      201: {
        type: 'object',
        properties: { userId: { type: 'string' }, scope: { type: 'string' }, role: { type: 'string' } },
      },
      ...errors,
    },
  },
} as const;
