import type { Catalogue } from './catalogue.ts';

/** German. Typed by English's keys (Catalogue): a key English has and this lacks fails `tsc`. */
export const de: Catalogue = {
  'duration.day': { one: '{count} Tag', other: '{count} Tagen' },
  'duration.hour': { one: '{count} Stunde', other: '{count} Stunden' },
  'duration.minute': { one: '{count} Minute', other: '{count} Minuten' },
  'duration.second': { one: '{count} Sekunde', other: '{count} Sekunden' },

  'email.support': 'Fragen? Schreiben Sie an {supportEmail}.',
  'email.pasteLink': 'Oder kopieren Sie diese Adresse in Ihren Browser: {link}',
  'email.linkExpires': 'Dieser Link funktioniert einmal und läuft in {validFor} ab.',
  'email.codeExpires': 'Der Code funktioniert einmal und läuft in {codeValidFor} ab.',
  'email.bothExpire':
    'Der Link funktioniert einmal und läuft in {validFor} ab; der Code läuft in {codeValidFor} ab.',
  'email.yourCode': 'Ihr Code: {code}',
  'email.yourCodeLabel': 'Ihr Code:',
  'email.orTypeCode': 'Oder geben Sie diesen Code ein: {code}',
  'email.orTypeCodeLabel': 'Oder geben Sie diesen Code ein:',

  'email.verify_email.subject': 'Bestätigen Sie Ihre E-Mail-Adresse für {appName}',
  'email.verify_email.lead':
    'Jemand hat sich mit dieser Adresse bei {appName} registriert. Wenn Sie das waren, bestätigen Sie Ihre E-Mail-Adresse:',
  'email.verify_email.action': 'E-Mail-Adresse bestätigen',
  'email.verify_email.ignore':
    'Wenn Sie sich nicht registriert haben, ignorieren Sie diese E-Mail: Es wird kein Konto aktiviert.',

  'email.account_exists.subject': 'Ihr Konto bei {appName}',
  'email.account_exists.lead':
    'Jemand hat versucht, sich mit dieser Adresse bei {appName} zu registrieren. Zu dieser Adresse gibt es bereits ein Konto.',
  'email.account_exists.login': 'Anmelden',
  'email.account_exists.reset': 'Passwort vergessen? Setzen Sie es zurück',
  'email.account_exists.ignore':
    'Wenn Sie das nicht waren, können Sie diese E-Mail ignorieren. Es hat sich nichts geändert.',

  'email.password_reset.subject': 'Setzen Sie Ihr Passwort für {appName} zurück',
  'email.password_reset.lead':
    'Jemand möchte das Passwort Ihres Kontos bei {appName} zurücksetzen. So wählen Sie ein neues:',
  'email.password_reset.action': 'Neues Passwort wählen',
  'email.password_reset.ignore':
    'Wenn Sie das nicht angefordert haben, ignorieren Sie diese E-Mail: Ihr Passwort bleibt, wie es ist.',

  'email.password_changed.subject': 'Ihr Passwort für {appName} wurde geändert',
  'email.password_changed.leadKept':
    'Das Passwort Ihres Kontos bei {appName} wurde soeben geändert, und alle anderen Sitzungen wurden abgemeldet.',
  'email.password_changed.leadAll':
    'Das Passwort Ihres Kontos bei {appName} wurde soeben geändert, und alle Sitzungen wurden abgemeldet.',
  'email.notYou.reset': 'Wenn Sie das nicht waren, setzen Sie Ihr Passwort jetzt zurück',

  'email.email_change.subject': 'Bestätigen Sie Ihre neue E-Mail-Adresse für {appName}',
  'email.email_change.lead':
    'Jemand möchte die E-Mail-Adresse eines Kontos bei {appName} in {newEmail} ändern. Wenn Sie das waren, bestätigen Sie:',
  'email.email_change.action': 'Diese E-Mail-Adresse bestätigen',
  'email.email_change.ignore':
    'Wenn Sie das nicht angefordert haben, ignorieren Sie diese E-Mail: Es ändert sich nichts.',

  'email.email_change_notice.subject': 'Für Ihr Konto bei {appName} wurde eine neue E-Mail-Adresse angefordert',
  'email.email_change_notice.lead':
    'Jemand möchte die E-Mail-Adresse Ihres Kontos bei {appName} in {newEmail} ändern.',
  'email.email_change_notice.only':
    'Die Änderung wird erst wirksam, wenn die neue Adresse über den an sie gesendeten Link bestätigt wird.',

  'email.account_deleted.subject': 'Ihr Konto bei {appName} wurde gelöscht',
  'email.account_deleted.lead':
    'Ihr Konto bei {appName} wurde gelöscht, mit seinen Sitzungen, Links und E-Mail-Einstellungen.',
  'email.account_deleted.nothingMore': 'An diese Adresse wird nichts mehr gesendet.',
  'email.account_deleted.again': 'Sie können sich jederzeit wieder mit dieser Adresse registrieren',

  'email.account_disabled.subject': 'Ihr Konto bei {appName} wurde gesperrt',
  'email.account_disabled.lead':
    'Ihr Konto bei {appName} wurde von den Betreibern gesperrt, und alle Sitzungen wurden abgemeldet.',
  'email.account_disabled.cannot': 'Sie können sich erst wieder anmelden, wenn es entsperrt wird.',
  'email.account_disabled.contact': 'Wenn Sie das für einen Fehler halten, wenden Sie sich an den Support von {appName}',

  'email.account_enabled.subject': 'Ihr Konto bei {appName} wurde wieder freigeschaltet',
  'email.account_enabled.lead':
    'Ihr Konto bei {appName} wurde wieder freigeschaltet: Sie können sich mit Ihrem Passwort anmelden.',
  'email.account_enabled.login': 'Anmelden',

  'email.invitation.subject': '{inviter} hat Sie zu {scope} bei {appName} eingeladen',
  'email.invitation.lead': '{inviter} hat Sie eingeladen, {scope} bei {appName} als {role} beizutreten.',
  'email.invitation.action': 'Einladung ansehen',
  'email.invitation.ignore': 'Wenn Sie nicht beitreten möchten, ignorieren Sie diese E-Mail.',

  'email.newsletter.unsubscribe': 'Newsletter von {appName} abbestellen',
  'email.newsletter.unsubscribeLink': 'Abbestellen',
  'email.newsletter.unsubscribeRest': 'Sie erhalten diesen Newsletter von {appName}.',

  'page.nav.account': 'Konto',
  'page.nav.logIn': 'Anmelden',
  'page.nav.signUp': 'Registrieren',
  'page.support': 'Hilfe: {supportEmail}',

  'field.email': 'E-Mail-Adresse',
  'field.password': 'Passwort',
  'field.newPassword': 'Neues Passwort',
  'field.passwordHint': 'Mindestens {minLength} Zeichen. Einige unzusammenhängende Wörter ergeben ein starkes.',
  'field.code': 'Code aus der E-Mail',
  'field.codeHint': 'Die Ziffern aus der E-Mail; Leerzeichen spielen keine Rolle.',

  'home.signedIn': 'Sie sind als {email} angemeldet.',
  'home.yourAccount': 'Ihr Konto',
  'home.welcome': 'Willkommen bei {appName}.',
  'home.createOrLogIn': '{signUp} oder {logIn}.',
  'home.createAccount': 'Konto erstellen',
  'home.logIn': 'anmelden',

  'account.title': 'Ihr Konto',
  'account.email': 'E-Mail-Adresse',
  'account.verified': 'E-Mail-Adresse bestätigt',
  'account.yes': 'Ja',
  'account.no': 'Nein',
  'account.newsletters': 'Newsletter',
  'account.subscribed': 'Abonniert',
  'account.unsubscribed': 'Abbestellt',
  'account.memberSince': 'Mitglied seit',
  'account.sessionEnds': 'Diese Sitzung endet',
  'account.sessionEndsAt': '{at}, oder später, wenn Sie aktiv bleiben',
  'account.language': 'Sprache',
  'account.saveLanguage': 'Sprache speichern',
  'account.logOut': 'Abmelden',
  'account.unsubscribe': 'Newsletter abbestellen',
  'account.subscribe': 'Newsletter abonnieren',

  'signUp.title': 'Konto erstellen',
  'signUp.submit': 'Konto erstellen',
  'signUp.haveAccount': 'Sie haben schon ein Konto? {logIn}.',
  'signUp.logIn': 'Anmelden',
  'signUp.sentTitle': 'Prüfen Sie Ihre E-Mails',
  'signUp.sent': 'Wir haben eine Nachricht an die angegebene Adresse gesendet. Folgen Sie ihrem Link, um fortzufahren.',
  'signUp.nothingThere': 'Nach ein paar Minuten noch nichts da? Sehen Sie im Spam-Ordner nach, oder {askNew}.',
  'signUp.askNew': 'fordern Sie einen neuen Link an',
  'signUp.holdsCode': 'Die E-Mail enthält einen Code? {enterCode}.',

  'logIn.title': 'Anmelden',
  'logIn.submit': 'Anmelden',
  'logIn.forgot': 'Passwort vergessen?',
  'logIn.create': 'Konto erstellen',
  'logIn.verified': 'Ihre E-Mail-Adresse ist bestätigt. Sie können sich jetzt anmelden.',
  'logIn.reset': 'Ihr Passwort wurde geändert. Melden Sie sich mit dem neuen an.',
  'logIn.loggedOut': 'Sie sind abgemeldet.',
  'logIn.wrong': 'E-Mail-Adresse oder Passwort ist nicht korrekt.',
  'logIn.notVerified': 'Bestätigen Sie zuerst Ihre E-Mail-Adresse: Folgen Sie dem Link, den wir Ihnen gesendet haben.',
  'logIn.sendNewLink': 'Neuen Link senden',
  'logIn.disabled': 'Dieses Konto ist gesperrt. Wenden Sie sich an den Support, um den Grund zu erfahren.',
  'cooldown.untilReset':
    'Zu viele Fehlversuche in Folge für diese E-Mail-Adresse: Setzen Sie das Passwort zurück, um sich wieder anzumelden.',
  'cooldown.wait': {
    one: 'Zu viele Fehlversuche für diese E-Mail-Adresse. Versuchen Sie es in {count} Minute erneut.',
    other: 'Zu viele Fehlversuche für diese E-Mail-Adresse. Versuchen Sie es in {count} Minuten erneut.',
  },
  'cooldown.forgot': 'Passwort vergessen? {resetIt}: Das funktioniert sofort.',
  'cooldown.resetIt': 'Setzen Sie es zurück',

  'code.heading': 'Stattdessen den Code eingeben',
  'code.enterInstead': 'Stattdessen den Code eingeben',
  'code.refused':
    'Dieser Code ist nicht gültig. Prüfen Sie den Code in der neuesten E-Mail, oder fordern Sie einen neuen an. Nach zu vielen falschen Codes müssen neue eine Weile warten.',
  'code.notUsedTitle': 'Hier werden keine Codes verwendet',
  'code.followLink': 'Folgen Sie stattdessen dem Link in der E-Mail.',

  'link.used': 'Dieser Link wurde bereits verwendet.',
  'link.expired': 'Dieser Link ist abgelaufen.',
  'link.revoked':
    'Dieser Link ist nicht mehr gültig: Es wurde ein neuerer gesendet, oder das Konto hat sich seitdem geändert.',
  'link.superseded': 'Nach diesem Link wurde ein neuerer gesendet: Verwenden Sie die neueste E-Mail.',
  'link.invalid': 'Dieser Link ist nicht gültig. Prüfen Sie, ob Sie ihn vollständig kopiert haben.',
  'link.cannotUse': 'Dieser Link kann nicht verwendet werden',

  'verify.confirmTitle': 'E-Mail-Adresse bestätigen',
  'verify.confirm': 'E-Mail-Adresse bestätigen',
  'verify.otherBrowser':
    'Dieser Link wurde in einem anderen Browser geöffnet als dem, der ihn angefordert hat. Geben Sie das Passwort des Kontos ein, um zu bestätigen, dass diese Adresse Ihnen gehört.',
  'verify.oneMoreStep': 'Noch ein Schritt: Bestätigen Sie, dass diese Adresse Ihnen gehört.',
  'verify.alreadyTitle': 'E-Mail-Adresse bereits bestätigt',
  'verify.already': 'Diese Adresse ist bereits bestätigt.',
  'verify.logIn': 'Anmelden',
  'verify.enterEmail': 'Geben Sie Ihre E-Mail-Adresse ein, um einen neuen Link zu erhalten.',
  'verify.newLinkTitle': 'Neuen Bestätigungslink anfordern',
  'verify.sendNewLink': 'Neuen Link senden',
  'verify.checkTitle': 'Prüfen Sie Ihre E-Mails',
  'verify.resent':
    'Wenn zu dieser Adresse ein Konto auf die Bestätigung wartet, ist ein neuer Link unterwegs.',
  'verify.wrongPassword': 'Dieses Passwort ist nicht korrekt.',
  'verify.isRequired': 'ist erforderlich',

  'reset.forgotTitle': 'Passwort vergessen?',
  'reset.forgotLead':
    'Geben Sie die E-Mail-Adresse Ihres Kontos ein, und wir senden Ihnen einen Link, mit dem Sie ein neues Passwort wählen.',
  'reset.sendLink': 'Link senden',
  'reset.checkTitle': 'Prüfen Sie Ihre E-Mails',
  'reset.sent': 'Wenn zu dieser Adresse ein Konto existiert, ist ein Link zum Zurücksetzen des Passworts unterwegs.',
  'reset.expiresIn': 'Der Link funktioniert einmal und läuft in {validFor} ab.',
  'reset.chooseTitle': 'Neues Passwort wählen',
  'reset.change': 'Passwort ändern',
  'reset.newerTitle': 'Es wurde ein neuerer Link gesendet',
  'reset.newerAt': 'Um {at} wurde ein neuerer Link gesendet; verwenden Sie die neueste E-Mail.',
  'reset.onlyNewest': 'Nur der neueste Link zum Zurücksetzen funktioniert. Sie finden ihn nicht?',
  'reset.sendAnother': 'Noch einen Link senden',
  'reset.askNew': 'Neuen Link anfordern',

  'error.title': 'Etwas ist schiefgelaufen',
  'error.generic': 'Die Anfrage konnte nicht verarbeitet werden.',
  'error.back': 'Zurück zur Startseite',
};
