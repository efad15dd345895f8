import { problemSchema } from './problem.ts';

/** Deleting one's account and downloading one's data (routes/account-data.ts). */

const time = { type: 'string' } as const;
const maybeTime = { type: ['string', 'null'] } as const;
const maybeString = { type: ['string', 'null'] } as const;

/** An array of objects: the shape of every list in the export. */
function list<const P extends Record<string, object>>(properties: P) {
  return { type: 'array', items: { type: 'object', properties } } as const;
}

export const deleteAccount = {
  method: 'DELETE',
  url: '/me',
  schema: {
    tags: ['accounts'],
    summary: 'Delete the logged-in account and its data',
    description:
      'Needs the current password, or, for an account without a password, the code from ' +
      'POST /v1/me/action-codes (400 code_invalid when wrong). In one transaction: deletes the user, its sessions, tokens and ' +
      'unsent mail, revokes its open invitations, keeps its audit entries without the address, and ' +
      'queues a notice to the address. Clears the session cookie. The address can sign up again.',
    body: {
      type: 'object',
      additionalProperties: false,
      properties: {
        currentPassword: { type: 'string', maxLength: 4096 },
        code: { type: 'string', maxLength: 40, description: 'The emailed code; spaces are ignored.' },
      },
      anyOf: [{ required: ['currentPassword'] }, { required: ['code'] }],
    },
    response: {
      204: { type: 'null' },
      400: problemSchema,
      401: problemSchema,
      403: problemSchema,
      422: problemSchema,
      429: problemSchema,
    },
  },
} as const;

export const exportAccount = {
  method: 'GET',
  url: '/me/export',
  schema: {
    tags: ['accounts'],
    summary: 'Download everything oto holds about the logged-in account, as JSON',
    description:
      'Sent as an attachment (oto-export.json). Holds the profile, subscription, sessions, ' +
      'invitations sent and accepted, grants, the mail sent (kind, subject and times) and the audit ' +
      'entries about the account; never a password hash, a token, a mail body or another user’s data.',
    response: {
      200: {
        type: 'object',
        required: ['format', 'exportedAt', 'profile', 'subscription', 'sessions', 'invitations'],
        properties: {
          format: { type: 'string' },
          exportedAt: time,
          profile: {
            type: 'object',
            properties: {
              id: { type: 'string' },
              email: { type: 'string' },
              emailVerified: { type: 'boolean' },
              emailVerifiedAt: maybeTime,
              hasPassword: { type: 'boolean' },
              createdAt: time,
              updatedAt: time,
            },
          },
          subscription: {
            type: 'object',
            properties: { subscribed: { type: 'boolean' }, unsubscribedAt: maybeTime },
          },
          sessions: list({
            id: { type: 'string' },
            createdAt: time,
            lastSeenAt: time,
            expiresAt: time,
            userAgent: maybeString,
            ip: maybeString,
          }),
          invitations: {
            type: 'object',
            properties: {
              sent: list({
                id: { type: 'string' },
                email: { type: 'string' },
                scope: { type: 'string' },
                role: { type: 'string' },
                createdAt: time,
                expiresAt: time,
                acceptedAt: maybeTime,
                revokedAt: maybeTime,
              }),
              accepted: list({
                id: { type: 'string' },
                inviterId: { type: 'string' },
                scope: { type: 'string' },
                role: { type: 'string' },
                acceptedAt: maybeTime,
              }),
            },
          },
          grants: list({
            scope: { type: 'string' },
            role: { type: 'string' },
            invitedBy: maybeString,
            createdAt: time,
          }),
          emails: list({
            kind: { type: 'string' },
            subject: { type: 'string' },
            status: { type: 'string' },
            createdAt: time,
            sentAt: maybeTime,
          }),
          auditEvents: list({
            id: { type: 'string' },
            at: time,
            event: { type: 'string' },
            ip: maybeString,
            detail: { type: ['object', 'null'], additionalProperties: true },
          }),
        },
      },
      401: problemSchema,
    },
  },
} as const;
