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

  'email.email_change_notice.subject':
    'Für Ihr Konto bei {appName} wurde eine neue E-Mail-Adresse angefordert',
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
  'email.account_disabled.contact':
    'Wenn Sie das für einen Fehler halten, wenden Sie sich an den Support von {appName}',

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

  'error.title': 'Etwas ist schiefgelaufen',
  'error.generic': 'Die Anfrage konnte nicht verarbeitet werden.',
  'error.rateLimited': 'Zu viele Anfragen. Versuchen Sie es später erneut.',
  'error.crossOrigin': 'Anfragen von anderen Websites werden hier nicht angenommen.',
  'error.back': 'Zurück zur Startseite',
};
