/**
 * English, the source of truth: every user-facing word of oto's emails and pages. Other
 * catalogues are typed from this one (Catalogue in index.ts), so a missing key fails the type
 * check, and checkCatalogue fails at load for one built any other way.
 *
 * `{name}` is filled from the caller's values; an object of plural forms is chosen with
 * Intl.PluralRules on `count`. The words are plain text: the html template escapes them.
 */
export const en = {
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
  'email.password_reset.ignore': 'If you did not ask for this, ignore this email: your password stays as it is.',

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
  'email.email_change_notice.lead': 'Someone asked to change the email of your {appName} account to {newEmail}.',
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
  'email.account_enabled.lead': 'Your {appName} account was enabled again: you can log in with your password.',
  'email.account_enabled.login': 'Log in',

  'email.invitation.subject': '{inviter} invited you to {scope} on {appName}',
  'email.invitation.lead': '{inviter} invited you to join {scope} on {appName} as {role}.',
  'email.invitation.action': 'See the invitation',
  'email.invitation.ignore': 'If you do not want to join, ignore this email.',

  'email.newsletter.unsubscribe': 'Unsubscribe from {appName} newsletters',
  'email.newsletter.unsubscribeLink': 'Unsubscribe',
  'email.newsletter.unsubscribeRest': 'from {appName} newsletters.',

  // ---- the frame of every page ----
  'page.nav.account': 'Account',
  'page.nav.logIn': 'Log in',
  'page.nav.signUp': 'Sign up',
  'page.support': 'Help: {supportEmail}',

  'field.email': 'Email',
  'field.password': 'Password',
  'field.newPassword': 'New password',
  'field.passwordHint': 'At least {minLength} characters. A few unrelated words make a strong one.',
  'field.code': 'Code from the email',
  'field.codeHint': 'The digits in the email; spaces do not matter.',

  'home.signedIn': 'You are logged in as {email}.',
  'home.yourAccount': 'Your account',
  'home.welcome': 'Welcome to {appName}.',
  'home.createOrLogIn': '{signUp} or {logIn}.',
  'home.createAccount': 'Create an account',
  'home.logIn': 'log in',

  'account.title': 'Your account',
  'account.email': 'Email',
  'account.verified': 'Email verified',
  'account.yes': 'Yes',
  'account.no': 'No',
  'account.newsletters': 'Newsletters',
  'account.subscribed': 'Subscribed',
  'account.unsubscribed': 'Unsubscribed',
  'account.memberSince': 'Member since',
  'account.sessionEnds': 'This session ends',
  'account.sessionEndsAt': '{at}, or later if you stay active',
  'account.language': 'Language',
  'account.saveLanguage': 'Save language',
  'account.logOut': 'Log out',
  'account.unsubscribe': 'Unsubscribe from newsletters',
  'account.subscribe': 'Subscribe to newsletters',

  'signUp.title': 'Create an account',
  'signUp.submit': 'Create account',
  'signUp.haveAccount': 'Already have an account? {logIn}.',
  'signUp.logIn': 'Log in',
  'signUp.sentTitle': 'Check your email',
  'signUp.sent': 'We sent a message to the address you gave. Follow its link to continue.',
  'signUp.nothingThere': 'Nothing there after a few minutes? Look in your spam folder, or {askNew}.',
  'signUp.askNew': 'ask for a new link',
  'signUp.holdsCode': 'The email holds a code? {enterCode}.',

  'logIn.title': 'Log in',
  'logIn.submit': 'Log in',
  'logIn.forgot': 'Forgot your password?',
  'logIn.create': 'Create an account',
  'logIn.verified': 'Your email is confirmed. You can log in now.',
  'logIn.reset': 'Your password was changed. Log in with the new one.',
  'logIn.loggedOut': 'You are logged out.',
  'logIn.wrong': 'The email or password is not correct.',
  'logIn.notVerified': 'Confirm your email address first: follow the link we emailed you.',
  'logIn.sendNewLink': 'Send me a new link',
  'logIn.disabled': 'This account is disabled. Contact support to find out why.',
  'cooldown.untilReset':
    'Too many failed attempts in a row for this email address: reset the password to log in again.',
  'cooldown.wait': {
    one: 'Too many failed attempts for this email address. Try again in {count} minute.',
    other: 'Too many failed attempts for this email address. Try again in {count} minutes.',
  },
  'cooldown.forgot': 'Forgot your password? {resetIt}: that works right away.',
  'cooldown.resetIt': 'Reset it',

  'code.heading': 'Enter the code instead',
  'code.enterInstead': 'Enter the code instead',
  'code.refused':
    'That code is not valid. Check the code in the latest email, or ask for a new one. After too many wrong codes, new ones wait a while.',
  'code.notUsedTitle': 'Codes are not used here',
  'code.followLink': 'Follow the link in the email instead.',

  'link.used': 'This link has already been used.',
  'link.expired': 'This link has expired.',
  'link.revoked': 'This link is no longer valid: a newer one was sent, or the account changed since.',
  'link.superseded': 'A newer link was sent after this one: use the latest email.',
  'link.invalid': 'This link is not valid. Check that you copied all of it.',
  'link.cannotUse': 'This link cannot be used',

  'verify.confirmTitle': 'Confirm your email',
  'verify.confirm': 'Confirm my email',
  'verify.otherBrowser':
    'This link was opened in a different browser from the one that asked for it. Enter the password of the account to confirm that this address is yours.',
  'verify.oneMoreStep': 'One more step: confirm that this address is yours.',
  'verify.alreadyTitle': 'Email already confirmed',
  'verify.already': 'This address is already confirmed.',
  'verify.logIn': 'Log in',
  'verify.enterEmail': 'Enter your email to get a new link.',
  'verify.newLinkTitle': 'Get a new confirmation link',
  'verify.sendNewLink': 'Send a new link',
  'verify.checkTitle': 'Check your email',
  'verify.resent': 'If this address has an account waiting for confirmation, a new link is on its way.',
  'verify.wrongPassword': 'That password is not correct.',
  'verify.isRequired': 'is required',

  'reset.forgotTitle': 'Forgot your password?',
  'reset.forgotLead': 'Enter the email of your account and we will send you a link to choose a new password.',
  'reset.sendLink': 'Send the link',
  'reset.checkTitle': 'Check your email',
  'reset.sent': 'If this address has an account, a link to reset its password is on its way.',
  'reset.expiresIn': 'The link works once and expires in {validFor}.',
  'reset.chooseTitle': 'Choose a new password',
  'reset.change': 'Change my password',
  'reset.newerTitle': 'A newer link was sent',
  'reset.newerAt': 'A newer link was sent at {at}; use the latest email.',
  'reset.onlyNewest': 'Only the newest reset link works. Cannot find it?',
  'reset.sendAnother': 'Send me another link',
  'reset.askNew': 'Ask for a new link',

  'error.title': 'Something went wrong',
  'error.generic': 'The request could not be processed.',
  'error.back': 'Back to the start',
} as const;
