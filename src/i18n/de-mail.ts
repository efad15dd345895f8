import type { CatalogueOf } from './catalogue.ts';
import type { enMail } from './en-mail.ts';

/** German words of oto's emails: part of the German catalogue (de.ts), typed by English's keys. */
export const deMail: CatalogueOf<typeof enMail> = {
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

  'email.sign_in.subject': 'Bei {appName} anmelden',
  'email.sign_in.lead':
    'Jemand möchte sich mit dieser Adresse bei Ihrem Konto bei {appName} anmelden. Wenn Sie das waren:',
  'email.sign_in.action': 'Anmelden',
  'email.sign_in.ignore':
    'Wenn Sie das nicht angefordert haben, ignorieren Sie diese E-Mail: Ohne sie kann sich niemand anmelden.',

  'email.sign_in_new_account.subject': 'Erstellen Sie Ihr Konto bei {appName}',
  'email.sign_in_new_account.lead':
    'Jemand möchte sich mit dieser Adresse bei {appName} anmelden, zu der es noch kein Konto gibt. So erstellen Sie eines und melden sich an:',
  'email.sign_in_new_account.action': 'Mein Konto erstellen',
  'email.sign_in_new_account.ignore':
    'Wenn Sie das nicht angefordert haben, ignorieren Sie diese E-Mail: Es wird kein Konto erstellt.',

  'email.action_code.subject': 'Ihr Bestätigungscode für {appName}',
  'email.action_code.lead':
    'Jemand, der bei Ihrem Konto bei {appName} angemeldet ist, möchte {action}. Wenn Sie das waren, geben Sie diesen Code ein:',
  'email.action_code.ignore':
    'Wenn Sie das nicht angefordert haben, ignorieren Sie diese E-Mail und melden Sie sich auf Ihren anderen Geräten ab: Womöglich ist jemand anderes angemeldet.',
  'email.action_code.change_email': 'die E-Mail-Adresse Ihres Kontos ändern',
  'email.action_code.change_password': 'ein Passwort für Ihr Konto festlegen',
  'email.action_code.delete_account': 'Ihr Konto löschen',
  'email.action_code.revoke_other_sessions': 'sich auf allen anderen Geräten abmelden',
};
