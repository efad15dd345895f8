import { type Kysely, sql } from 'kysely';

// biome-ignore lint/suspicious/noExplicitAny: migrations describe the schema as it was then.
type AnyDb = Kysely<any>;

export async function up(db: AnyDb): Promise<void> {
  await db.schema
    .createTable('invitations')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('inviter_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('email', 'text', (c) => c.notNull())
    .addColumn('email_normalized', 'text', (c) => c.notNull())
    .addColumn('scope', 'text', (c) => c.notNull())
    .addColumn('role', 'text', (c) => c.notNull())
    // The security_tokens row of the emailed link. No foreign key: the token purge deletes ended
    // tokens, while the invitation stays as a record of who invited whom.
    .addColumn('token_id', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addColumn('accepted_at', 'bigint')
    .addColumn('accepted_by', 'text')
    .addColumn('revoked_at', 'bigint')
    .execute();
  // At most one open invitation per address and scope: inviting again supersedes (revokes) the
  // open one first, and two concurrent invitations cannot both stay open.
  await db.schema
    .createIndex('invitations_open_by_scope_email')
    .on('invitations')
    .columns(['scope', 'email_normalized'])
    .unique()
    .where(sql<boolean>`accepted_at is null and revoked_at is null`)
    .execute();
  await db.schema
    .createIndex('invitations_by_inviter')
    .on('invitations')
    .columns(['inviter_id', 'created_at'])
    .execute();

  await db.schema
    .createTable('grants')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('scope', 'text', (c) => c.notNull())
    .addColumn('role', 'text', (c) => c.notNull())
    .addColumn('invited_by', 'text', (c) => c.references('users.id').onDelete('set null'))
    .addColumn('invitation_id', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addUniqueConstraint('grants_user_scope_role', ['user_id', 'scope', 'role'])
    .execute();
  await db.schema.createIndex('grants_by_scope').on('grants').columns(['scope', 'role']).execute();
}
