import { createClient, OtoProblemError, type OtoRequest, type OtoResponse } from '../src/client/client.ts';

/**
 * Compile-time checks of the client's types (npm run check runs tsc over test/); never run. Each
 * `@ts-expect-error` is a call the types must refuse: if the types loosen, the directive itself is
 * the error, and the check fails.
 */
export async function clientTypeChecks(): Promise<void> {
  const oto = createClient({ baseUrl: 'https://oto.test', apiKey: 'key' });

  // Bodies are the route schemas' bodies.
  await oto.issueToken({ purpose: 'magic_link', subject: 'user-1', ttlSeconds: 60, data: { a: 1 } });
  // @ts-expect-error a misspelt body field
  await oto.issueToken({ purpose: 'magic_link', subjekt: 'user-1' });
  // @ts-expect-error a missing required field
  await oto.issueToken({ purpose: 'magic_link' });
  // @ts-expect-error ttlSeconds is an integer, not a string
  await oto.issueToken({ purpose: 'magic_link', subject: 'user-1', ttlSeconds: '60' });
  // @ts-expect-error an operation with a body needs it
  await oto.consumeToken();

  // Path parameters are required, whatever the schema's `required` says; the query is optional.
  await oto.revokeInvitation({ id: 'inv-1' }, { session: 's' });
  // @ts-expect-error no id
  await oto.revokeInvitation({}, { session: 's' });
  await oto.recentActivity();
  await oto.recentActivity({ limit: '10', before: 'x' }, { session: 's' });
  // @ts-expect-error query values are strings: oto does not coerce them
  await oto.recentActivity({ limit: 10 });

  // A session is for the routes that read one; the API key routes take none.
  await oto.currentUser({ session: 's' });
  // @ts-expect-error an API key route has no session option
  await oto.introspectSession({ token: 't' }, { session: 's' });
  // @ts-expect-error an operation without input takes only options
  await oto.currentUser({ id: 'u' }, { session: 's' });

  // Headers are the route's declared headers only.
  await oto.sendNewsletter({ subject: 'Hi', text: 'Hello' }, { headers: { 'idempotency-key': 'k1' } });
  // @ts-expect-error a misspelt header
  await oto.sendNewsletter({ subject: 'Hi', text: 'Hello' }, { headers: { 'idempotency-kee': 'k1' } });

  // Responses are the union of the 2xx schemas; a 204 is undefined.
  const inspected = await oto.inspectToken({ purpose: 'magic_link', token: 't' });
  // @ts-expect-error state is one of the schema's enum
  if (inspected.state === 'pending') throw new Error();
  const loggedOut: undefined = await oto.logOut({ session: 's' });
  // @ts-expect-error introspection's userId may be null
  const userId: string | undefined = (await oto.introspectSession({ token: 't' })).userId;
  const accepted: 'account_created' | 'accepted' | undefined = (await oto.acceptInvitation({ token: 't' }))
    .status;

  // The named types are the methods' own.
  const request: OtoRequest<'revokeTokens'> = { purpose: 'p', subject: 's' };
  const response: OtoResponse<'revokeTokens'> = await oto.revokeTokens(request);
  const revoked: number | undefined = response.revoked;

  // Errors carry the typed problem.
  try {
    await oto.consumeToken({ purpose: 'magic_link', token: 't' });
  } catch (error) {
    if (error instanceof OtoProblemError) {
      const code: string = error.code;
      const status: number = error.problem.status;
      const fields: (string | undefined)[] = error.errors?.map((e) => e.field) ?? [];
      // @ts-expect-error status is a number
      const wrong: string = error.status;
      void [code, status, fields, wrong];
    }
  }
  void [loggedOut, userId, accepted, revoked];
}
