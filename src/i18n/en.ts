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

  // ---- /account: security, data, language ----
  'security.passwordChanged': 'Your password was changed. Your other devices were logged out.',
  'security.sessionRevoked': 'That device was logged out.',
  'security.othersRevoked': {
    one: 'Logged out of all other devices ({count} session).',
    other: 'Logged out of all other devices ({count} sessions).',
  },
  'security.password': 'Password',
  'security.whereLoggedIn': 'Where you are logged in',
  'security.thisDeviceOnly': 'You are logged in on this device only.',
  'security.currentPassword': 'Current password',
  'security.change': 'Change my password',
  'security.othersLoggedOut': 'Your other devices will be logged out.',
  'security.yourPassword': 'Your password',
  'security.othersHint': 'To log out of every other device.',
  'security.logOutOthers': 'Log out of all other devices',
  'security.thisDevice': '(this device)',
  'security.from': 'From {ip}.',
  'security.loggedInAt': 'Logged in {createdAt}, last active {lastSeenAt}.',
  'security.logOut': 'Log out',
  'security.changeTitle': 'Change your password',
  'security.backToAccount': 'Back to your account',
  'security.notCorrect': 'is not correct',
  'data.deleteTitle': 'Delete your account',
  'data.cannotUndo': 'Deleting your account cannot be undone. It removes, at once:',
  'data.removesEmail': 'your email address, password and newsletter preference;',
  'data.removesSessions': 'every session: you are logged out on all your devices;',
  'data.removesLinks': 'every link we emailed you that is still waiting to be used, and mail not sent yet;',
  'data.removesInvitations': 'the invitations you sent that nobody accepted yet, which stop working.',
  'data.whatStays':
    'What stays is the record of what happened to the account (logins, changes), under its anonymous id and without your email address. One last email tells you the account was deleted.',
  'data.downloadFirst': '{download} first if you want to keep a copy.',
  'data.downloadYourData': 'Download your data',
  'data.delete': 'Delete my account',
  'data.keep': 'Keep my account',
  'data.wrongPassword': 'The current password is not correct.',
  'data.deletedTitle': 'Your account was deleted',
  'data.deleted': 'Your account and its data were deleted. You are logged out.',
  'data.signUpAgain': 'You can {signUp} with the same address at any time.',
  'data.signUpAgainLink': 'sign up again',
  'data.yourData': 'Your data',
  'data.download': 'Download my data',

  // ---- invitations, change of email, unsubscribe ----
  'invite.used': 'This invitation has already been accepted.',
  'invite.expired': 'This invitation has expired.',
  'invite.revoked': 'This invitation was withdrawn, or replaced by a newer one.',
  'invite.superseded': 'This invitation was replaced by a newer one: use the latest email.',
  'invite.invalid': 'This invitation link is not valid. Check that you copied all of it.',
  'invite.cannotUse': 'This invitation cannot be used',
  'invite.askNew': 'Ask the person who invited you to send a new invitation.',
  'invite.summary': '{inviter} invited {email} to join {scope} as {role}.',
  'invite.until': 'This invitation can be accepted until {at}.',
  'invite.choosePassword': 'Choose a password',
  'invite.createAndAccept': 'Create my account and accept',
  'invite.otherTitle': 'This invitation is for someone else',
  'invite.otherAccount': 'You are logged in as {signedInAs}, but this invitation is for {invited}.',
  'invite.logOutThenOpen': 'Log out, then open the link from the invitation email again.',
  'invite.logOut': 'Log out',
  'invite.loginTitle': 'Log in to accept',
  'invite.hasAccount':
    '{invited} already has an account. {logIn} with it, and you will come back to this invitation.',
  'invite.addressHasAccount':
    'This address already has an account. {logIn}, and you will come back to this invitation.',
  'invite.justCreated':
    'An account was just created for this address. {logIn} with it, and you will come back to this invitation.',
  'invite.logIn': 'Log in',
  'invite.title': 'You are invited',
  'invite.accept': 'Accept the invitation',
  'change.revoked':
    'This link is no longer valid: a newer change was asked for, or the account changed since.',
  'change.askAgain': 'You can ask for the change again from your account.',
  'change.loginTitle': 'Log in to confirm',
  'change.logInFirst':
    'To confirm this change of email, {logIn} to the account that asked for it. You will come back here.',
  'change.logIn': 'log in',
  'change.otherTitle': 'This link is for another account',
  'change.otherAccount': 'You are logged in to another account than the one that asked for this change.',
  'change.logOutThenOpen': 'Log out, log in to the right account, then open the link again.',
  'change.confirmTitle': 'Confirm your new email',
  'change.question': 'Change the email of your account from {from} to {to}?',
  'change.confirm': 'Confirm the change',
  'change.othersLoggedOut': 'Your other sessions will be logged out.',
  'change.takenTitle': 'This address is taken',
  'change.taken': 'This address now belongs to another account.',
  'unsubscribe.title': 'Unsubscribe',
  'unsubscribe.question': 'Stop receiving {appName} newsletters at this address?',
  'unsubscribe.button': 'Unsubscribe',
  'unsubscribe.accountMail': 'Emails about your account, such as password resets, still arrive.',
  'unsubscribe.missingTitle': 'Something is missing',
  'unsubscribe.missing':
    'This request must carry {field}. Open the link from the email again and press the button.',
  'unsubscribe.doneTitle': 'You are unsubscribed',
  'unsubscribe.done': 'You will not receive {appName} newsletters at this address any more.',
  'unsubscribe.again':
    'Emails about your account, such as password resets, still arrive. You can subscribe again from your account page.',
  'unsubscribe.invalidTitle': 'This link is not valid',
  'unsubscribe.invalid':
    'This unsubscribe link is damaged or no longer valid. Copy the whole link from the email and try again, or unsubscribe from your account page.',

  // ---- why a field was refused (the flows' reasons, src/http/pages/reasons.ts) ----
  'reason.required': 'is required',
  'reason.invalidEmail': 'is not a valid email address',
  'reason.maxChars': 'must be at most {max} characters long',
  'reason.maxBytes': 'must be at most {max} bytes long',
  'reason.tooShort': 'must be at least {min} characters long (it has {length})',
  'reason.common': 'is one of the most common passwords, which attackers try first',
  'reason.repeats': 'repeats one or two characters, which attackers try first',
  'reason.containsEmail': 'must not contain your email address',
  'reason.containsAppName': 'must not contain the name of this service ({appName})',
  'reason.sameEmail': 'is already the email of your account',
  'reason.oneOf': 'must be one of {list}',

  'error.title': 'Something went wrong',
  'error.generic': 'The request could not be processed.',
  'error.rateLimited': 'Too many requests. Try again later.',
  'error.crossOrigin': 'Requests from other sites are not accepted here.',
  'error.back': 'Back to the start',
} as const;
