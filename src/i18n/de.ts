import type { Catalogue } from './catalogue.ts';
import { deMail } from './de-mail.ts';

/** German. Typed by English's keys (Catalogue): a key English has and this lacks fails `tsc`. */
export const de: Catalogue = {
  ...deMail,

  'page.nav.account': 'Konto',
  'page.nav.logIn': 'Anmelden',
  'page.nav.signUp': 'Registrieren',
  'page.support': 'Hilfe: {supportEmail}',

  'field.email': 'E-Mail-Adresse',
  'field.password': 'Passwort',
  'field.newPassword': 'Neues Passwort',
  'field.passwordHint':
    'Mindestens {minLength} Zeichen. Einige unzusammenhängende Wörter ergeben ein starkes.',
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
  'signUp.sent':
    'Wir haben eine Nachricht an die angegebene Adresse gesendet. Folgen Sie ihrem Link, um fortzufahren.',
  'signUp.nothingThere':
    'Nach ein paar Minuten noch nichts da? Sehen Sie im Spam-Ordner nach, oder {askNew}.',
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
  'logIn.notVerified':
    'Bestätigen Sie zuerst Ihre E-Mail-Adresse: Folgen Sie dem Link, den wir Ihnen gesendet haben.',
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
  'reset.sent':
    'Wenn zu dieser Adresse ein Konto existiert, ist ein Link zum Zurücksetzen des Passworts unterwegs.',
  'reset.expiresIn': 'Der Link funktioniert einmal und läuft in {validFor} ab.',
  'reset.chooseTitle': 'Neues Passwort wählen',
  'reset.change': 'Passwort ändern',
  'reset.newerTitle': 'Es wurde ein neuerer Link gesendet',
  'reset.newerAt': 'Um {at} wurde ein neuerer Link gesendet; verwenden Sie die neueste E-Mail.',
  'reset.onlyNewest': 'Nur der neueste Link zum Zurücksetzen funktioniert. Sie finden ihn nicht?',
  'reset.sendAnother': 'Noch einen Link senden',
  'reset.askNew': 'Neuen Link anfordern',

  'security.passwordChanged': 'Ihr Passwort wurde geändert. Ihre anderen Geräte wurden abgemeldet.',
  'security.sessionRevoked': 'Dieses Gerät wurde abgemeldet.',
  'security.othersRevoked': {
    one: 'Von allen anderen Geräten abgemeldet ({count} Sitzung).',
    other: 'Von allen anderen Geräten abgemeldet ({count} Sitzungen).',
  },
  'security.password': 'Passwort',
  'security.whereLoggedIn': 'Wo Sie angemeldet sind',
  'security.thisDeviceOnly': 'Sie sind nur auf diesem Gerät angemeldet.',
  'security.currentPassword': 'Aktuelles Passwort',
  'security.change': 'Passwort ändern',
  'security.othersLoggedOut': 'Ihre anderen Geräte werden abgemeldet.',
  'security.yourPassword': 'Ihr Passwort',
  'security.othersHint': 'Um sich auf allen anderen Geräten abzumelden.',
  'security.logOutOthers': 'Auf allen anderen Geräten abmelden',
  'security.thisDevice': '(dieses Gerät)',
  'security.from': 'Von {ip}.',
  'security.loggedInAt': 'Angemeldet {createdAt}, zuletzt aktiv {lastSeenAt}.',
  'security.logOut': 'Abmelden',
  'security.changeTitle': 'Passwort ändern',
  'security.backToAccount': 'Zurück zu Ihrem Konto',
  'security.notCorrect': 'ist nicht korrekt',
  'data.deleteTitle': 'Konto löschen',
  'data.cannotUndo': 'Das Löschen Ihres Kontos kann nicht rückgängig gemacht werden. Es entfernt sofort:',
  'data.removesEmail': 'Ihre E-Mail-Adresse, Ihr Passwort und Ihre Newsletter-Einstellung;',
  'data.removesSessions': 'alle Sitzungen: Sie werden auf allen Ihren Geräten abgemeldet;',
  'data.removesLinks':
    'alle Links, die wir Ihnen gesendet haben und die noch nicht verwendet wurden, sowie noch nicht gesendete E-Mails;',
  'data.removesInvitations':
    'die von Ihnen gesendeten, noch nicht angenommenen Einladungen, die nicht mehr funktionieren.',
  'data.whatStays':
    'Erhalten bleibt das Protokoll dessen, was mit dem Konto geschah (Anmeldungen, Änderungen), unter seiner anonymen ID und ohne Ihre E-Mail-Adresse. Eine letzte E-Mail teilt Ihnen mit, dass das Konto gelöscht wurde.',
  'data.downloadFirst': '{download} Sie vorher, wenn Sie eine Kopie behalten möchten.',
  'data.downloadYourData': 'Laden Sie Ihre Daten herunter',
  'data.delete': 'Mein Konto löschen',
  'data.keep': 'Mein Konto behalten',
  'data.wrongPassword': 'Das aktuelle Passwort ist nicht korrekt.',
  'data.deletedTitle': 'Ihr Konto wurde gelöscht',
  'data.deleted': 'Ihr Konto und seine Daten wurden gelöscht. Sie sind abgemeldet.',
  'data.signUpAgain': 'Sie können sich jederzeit mit derselben Adresse {signUp}.',
  'data.signUpAgainLink': 'wieder registrieren',
  'data.yourData': 'Ihre Daten',
  'data.download': 'Meine Daten herunterladen',

  'invite.used': 'Diese Einladung wurde bereits angenommen.',
  'invite.expired': 'Diese Einladung ist abgelaufen.',
  'invite.revoked': 'Diese Einladung wurde zurückgezogen oder durch eine neuere ersetzt.',
  'invite.superseded': 'Diese Einladung wurde durch eine neuere ersetzt: Verwenden Sie die neueste E-Mail.',
  'invite.invalid':
    'Dieser Einladungslink ist nicht gültig. Prüfen Sie, ob Sie ihn vollständig kopiert haben.',
  'invite.cannotUse': 'Diese Einladung kann nicht verwendet werden',
  'invite.askNew': 'Bitten Sie die Person, die Sie eingeladen hat, eine neue Einladung zu senden.',
  'invite.summary': '{inviter} hat {email} eingeladen, {scope} als {role} beizutreten.',
  'invite.until': 'Diese Einladung kann bis {at} angenommen werden.',
  'invite.choosePassword': 'Passwort wählen',
  'invite.createAndAccept': 'Konto erstellen und annehmen',
  'invite.otherTitle': 'Diese Einladung ist für jemand anderen',
  'invite.otherAccount': 'Sie sind als {signedInAs} angemeldet, aber diese Einladung ist für {invited}.',
  'invite.logOutThenOpen':
    'Melden Sie sich ab und öffnen Sie dann den Link aus der Einladungs-E-Mail erneut.',
  'invite.logOut': 'Abmelden',
  'invite.loginTitle': 'Zum Annehmen anmelden',
  'invite.hasAccount':
    '{invited} hat bereits ein Konto. {logIn} Sie sich damit an, und Sie kommen zu dieser Einladung zurück.',
  'invite.addressHasAccount':
    'Zu dieser Adresse gibt es bereits ein Konto. {logIn} Sie sich an, und Sie kommen zu dieser Einladung zurück.',
  'invite.justCreated':
    'Für diese Adresse wurde soeben ein Konto erstellt. {logIn} Sie sich damit an, und Sie kommen zu dieser Einladung zurück.',
  'invite.logIn': 'Melden',
  'invite.title': 'Sie sind eingeladen',
  'invite.accept': 'Einladung annehmen',
  'change.revoked':
    'Dieser Link ist nicht mehr gültig: Es wurde eine neuere Änderung angefordert, oder das Konto hat sich seitdem geändert.',
  'change.askAgain': 'Sie können die Änderung in Ihrem Konto erneut anfordern.',
  'change.loginTitle': 'Zum Bestätigen anmelden',
  'change.logInFirst':
    'Um diese Änderung der E-Mail-Adresse zu bestätigen, {logIn} Sie sich bei dem Konto an, das sie angefordert hat. Sie kommen dann hierher zurück.',
  'change.logIn': 'melden',
  'change.otherTitle': 'Dieser Link ist für ein anderes Konto',
  'change.otherAccount':
    'Sie sind bei einem anderen Konto angemeldet als dem, das diese Änderung angefordert hat.',
  'change.logOutThenOpen':
    'Melden Sie sich ab, melden Sie sich beim richtigen Konto an, und öffnen Sie den Link dann erneut.',
  'change.confirmTitle': 'Neue E-Mail-Adresse bestätigen',
  'change.question': 'Die E-Mail-Adresse Ihres Kontos von {from} in {to} ändern?',
  'change.confirm': 'Änderung bestätigen',
  'change.othersLoggedOut': 'Ihre anderen Sitzungen werden abgemeldet.',
  'change.takenTitle': 'Diese Adresse ist vergeben',
  'change.taken': 'Diese Adresse gehört inzwischen zu einem anderen Konto.',
  'unsubscribe.title': 'Abbestellen',
  'unsubscribe.question': 'Keine Newsletter von {appName} mehr an diese Adresse erhalten?',
  'unsubscribe.button': 'Abbestellen',
  'unsubscribe.accountMail':
    'E-Mails zu Ihrem Konto, etwa zum Zurücksetzen des Passworts, kommen weiterhin an.',
  'unsubscribe.missingTitle': 'Etwas fehlt',
  'unsubscribe.missing':
    'Diese Anfrage muss {field} enthalten. Öffnen Sie den Link aus der E-Mail erneut und drücken Sie die Schaltfläche.',
  'unsubscribe.doneTitle': 'Sie haben abbestellt',
  'unsubscribe.done': 'Sie erhalten an diese Adresse keine Newsletter von {appName} mehr.',
  'unsubscribe.again':
    'E-Mails zu Ihrem Konto, etwa zum Zurücksetzen des Passworts, kommen weiterhin an. Sie können den Newsletter auf Ihrer Kontoseite wieder abonnieren.',
  'unsubscribe.invalidTitle': 'Dieser Link ist nicht gültig',
  'unsubscribe.invalid':
    'Dieser Abbestell-Link ist beschädigt oder nicht mehr gültig. Kopieren Sie den ganzen Link aus der E-Mail und versuchen Sie es erneut, oder bestellen Sie auf Ihrer Kontoseite ab.',

  'reason.required': 'ist erforderlich',
  'reason.invalidEmail': 'ist keine gültige E-Mail-Adresse',
  'reason.maxChars': 'darf höchstens {max} Zeichen lang sein',
  'reason.maxBytes': 'darf höchstens {max} Bytes lang sein',
  'reason.tooShort': 'muss mindestens {min} Zeichen lang sein (es sind {length})',
  'reason.common': 'gehört zu den häufigsten Passwörtern, die Angreifer zuerst ausprobieren',
  'reason.repeats': 'wiederholt ein oder zwei Zeichen, was Angreifer zuerst ausprobieren',
  'reason.containsEmail': 'darf Ihre E-Mail-Adresse nicht enthalten',
  'reason.containsAppName': 'darf den Namen dieses Dienstes ({appName}) nicht enthalten',
  'reason.sameEmail': 'ist bereits die E-Mail-Adresse Ihres Kontos',
  'reason.oneOf': 'muss eines von {list} sein',

  'logIn.noPassword': 'Kein Passwort?',
  'logIn.signInEmail': 'E-Mail-Adresse für einen Anmeldelink',
  'logIn.emailMeLink': 'Anmeldelink per E-Mail senden',
  'signIn.button': 'Anmelden',
  'signIn.byEmailTitle': 'Per E-Mail anmelden',
  'signIn.checkTitle': 'Prüfen Sie Ihren Posteingang',
  'signIn.sent':
    'Wenn sich diese Adresse anmelden kann, ist eine E-Mail mit einem Anmeldelink unterwegs. Öffnen Sie ihn in diesem Browser.',
  'signIn.elsewhereTitle': 'Auf diesem Gerät anmelden?',
  'signIn.elsewhere': 'Diese Anmeldung wurde um {at} in einem anderen Browser angefordert.',
  'signIn.otherDevice':
    'Wenn Sie sie auf einem anderen Gerät angefordert haben, öffnen Sie den Link dort, oder geben Sie den Code aus der E-Mail in dem Browser ein, der sie angefordert hat.',
  'signIn.codeSafest':
    'Den Code einzugeben ist am sichersten: Ein Link, den jemand anderes angefordert hat, würde Sie bei dessen Konto anmelden.',
  'signIn.yesHere': 'Ja, hier anmelden, ich habe das um {at} angefordert',
  'signIn.revoked':
    'Dieser Link ist nicht mehr gültig: Sie haben sich seitdem mit einem anderen Link oder Code angemeldet.',
  'signIn.askNew': 'Fordern Sie einen neuen an:',
  'signIn.pressButton': 'Drücken Sie die Schaltfläche, um sich anzumelden.',
  'actionCode.hint':
    'Ihr Konto hat kein Passwort: Fordern Sie mit „Code per E-Mail senden“ einen Code an. Leerzeichen spielen keine Rolle.',
  'actionCode.sent': 'Ein Code ist an Ihre E-Mail-Adresse unterwegs.',
  'actionCode.emailMe': 'Code per E-Mail senden',
  'account.password': 'Passwort',
  'account.noPassword': 'Keines: Sie melden sich per E-Mail an. {setOne}',
  'account.setPassword': 'Passwort festlegen',
  'account.passwordSet': 'Festgelegt',

  'error.title': 'Etwas ist schiefgelaufen',
  'error.generic': 'Die Anfrage konnte nicht verarbeitet werden.',
  'error.rateLimited': 'Zu viele Anfragen. Versuchen Sie es später erneut.',
  'error.crossOrigin': 'Anfragen von anderen Websites werden hier nicht angenommen.',
  'error.back': 'Zurück zur Startseite',
};
