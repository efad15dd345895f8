/**
 * English words of oto's emails, and the durations they say; part of the English catalogue (en.ts),
 * the source of truth, in a file of their own for length. `{name}` and plural forms as in en.ts.
 */
export const enMail = {
  // ---- durations (validFor in emails, the reset page) ----
  'duration.day': { one: '{count} day', other: '{count} days' },
  'duration.hour': { one: '{count} hour', other: '{count} hours' },
  'duration.minute': { one: '{count} minute', other: '{count} minutes' },
  'duration.second': { one: '{count} second', other: '{count} seconds' },

  // ---- the frame of every email ----
  'email.support': 'Questions? Write to {supportEmail}.',
  'email.pasteLink': 'Or paste this address into your browser: {link}',
  'email.linkExpires': 'This link works once and expires in {validFor}.',
  'email.codeExpires': 'The code works once and expires in {codeValidFor}.',
  'email.bothExpire': 'The link works once and expires in {validFor}; the code expires in {codeValidFor}.',
  'email.yourCode': 'Your code: {code}',
  'email.yourCodeLabel': 'Your code:',
  'email.orTypeCode': 'Or type this code: {code}',
  'email.orTypeCodeLabel': 'Or type this code:',

  'email.verify_email.subject': 'Confirm your email for {appName}',
  'email.verify_email.lead':
    'Someone signed up for {appName} with this address. If it was you, confirm your email:',
  'email.verify_email.action': 'Confirm my email',
  'email.verify_email.ignore': 'If you did not sign up, ignore this email: no account will be activated.',

  'email.account_exists.subject': 'Your {appName} account',
  'email.account_exists.lead':
    'Someone tried to sign up for {appName} with this address, which already has an account.',
  'email.account_exists.login': 'Log in',
  'email.account_exists.reset': 'Forgot your password? Reset it',
  'email.account_exists.ignore': 'If this was not you, you can ignore this email. Nothing has changed.',

  'email.password_reset.subject': 'Reset your {appName} password',
  'email.password_reset.lead':
    'Someone asked to reset the password of your {appName} account. To choose a new one:',
  'email.password_reset.action': 'Choose a new password',
  'email.password_reset.ignore':
    'If you did not ask for this, ignore this email: your password stays as it is.',

  'email.password_changed.subject': 'Your {appName} password was changed',
  'email.password_changed.leadKept':
    'The password of your {appName} account was just changed, and every other session was logged out.',
  'email.password_changed.leadAll':
    'The password of your {appName} account was just changed, and every session was logged out.',
  'email.notYou.reset': 'If this was not you, reset your password now',

  'email.email_change.subject': 'Confirm your new email for {appName}',
  'email.email_change.lead':
    'Someone asked to change the email of a {appName} account to {newEmail}. If it was you, confirm:',
  'email.email_change.action': 'Confirm this email',
  'email.email_change.ignore': 'If you did not ask for this, ignore this email: nothing will change.',

  'email.email_change_notice.subject': 'A change of email was requested for your {appName} account',
  'email.email_change_notice.lead':
    'Someone asked to change the email of your {appName} account to {newEmail}.',
  'email.email_change_notice.only':
    'The change happens only if the new address is confirmed from the link sent to it.',

  'email.account_deleted.subject': 'Your {appName} account was deleted',
  'email.account_deleted.lead':
    'Your {appName} account was deleted, with its sessions, links and email preferences.',
  'email.account_deleted.nothingMore': 'Nothing more will be sent to this address.',
  'email.account_deleted.again': 'You can sign up again with this address at any time',

  'email.account_disabled.subject': 'Your {appName} account was disabled',
  'email.account_disabled.lead':
    'Your {appName} account was disabled by its operators, and every session was logged out.',
  'email.account_disabled.cannot': 'You cannot log in until it is enabled again.',
  'email.account_disabled.contact': "If you think this is a mistake, contact {appName}'s support",

  'email.account_enabled.subject': 'Your {appName} account was enabled again',
  'email.account_enabled.lead':
    'Your {appName} account was enabled again: you can log in with your password.',
  'email.account_enabled.login': 'Log in',

  'email.invitation.subject': '{inviter} invited you to {scope} on {appName}',
  'email.invitation.lead': '{inviter} invited you to join {scope} on {appName} as {role}.',
  'email.invitation.action': 'See the invitation',
  'email.invitation.ignore': 'If you do not want to join, ignore this email.',

  'email.newsletter.unsubscribe': 'Unsubscribe from {appName} newsletters',
  'email.newsletter.unsubscribeLink': 'Unsubscribe',
  'email.newsletter.unsubscribeRest': 'from {appName} newsletters.',

  'email.sign_in.subject': 'Sign in to {appName}',
  'email.sign_in.lead':
    'Someone asked to sign in to your {appName} account with this address. If it was you:',
  'email.sign_in.action': 'Sign in',
  'email.sign_in.ignore': 'If you did not ask for this, ignore this email: nobody can sign in without it.',

  'email.sign_in_new_account.subject': 'Create your {appName} account',
  'email.sign_in_new_account.lead':
    'Someone asked to sign in to {appName} with this address, which has no account yet. To create one and sign in:',
  'email.sign_in_new_account.action': 'Create my account',
  'email.sign_in_new_account.ignore':
    'If you did not ask for this, ignore this email: no account will be created.',

  'email.action_code.subject': 'Your {appName} confirmation code',
  'email.action_code.lead':
    'Someone signed in to your {appName} account asked to {action}. If it was you, type this code:',
  'email.action_code.ignore':
    'If you did not ask for this, ignore this email and log out of your other devices: someone else may be signed in.',
  'email.action_code.change_email': 'change the email address of your account',
  'email.action_code.change_password': 'set a password for your account',
  'email.action_code.delete_account': 'delete your account',
  'email.action_code.revoke_other_sessions': 'log out of all your other devices',
} as const;
