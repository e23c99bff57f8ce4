/**
 * The NHS sender rules on message content, checked before a message is accepted.
 *
 * Links are the sensitive part: a URL is logged by browsers, proxies and analytics, so it must
 * never carry anything that identifies the patient. Personal data in the body text is allowed.
 * URLs are checked after percent- and `+`-decoding, case-insensitively, for this patient's
 * details and for anything shaped like anyone's NHS number, mobile number, email or postcode.
 *
 * Messages that may land in the NHS App must not ask for an SMS keyword reply ("reply YES"),
 * because the App cannot send one.
 */
import { HubError } from '../../shared/errors';
import { isValidNhsNumber } from '../../patients/nhsNumber';
import { extractLinks, findUnsupportedMarkup } from './messageMarkup';

export interface PatientIdentifiers {
  nhsNumber: string;
  givenName: string;
  familyName: string;
  /** YYYY-MM-DD */
  dateOfBirth: string;
  mobileNumber?: string | null;
  email?: string | null;
  postalAddress?: string | null;
}

export interface ContentToCheck {
  subject?: string | null;
  body: string;
  mayGoToApp: boolean;
  patient: PatientIdentifiers;
}

export const NHS_APP_BODY_LIMIT = 5000;

// ---------------------------------------------------------------------------
// Checking a message
// ---------------------------------------------------------------------------

/** Throws a HubError for the first rule the content breaks. */
export function checkContent(content: ContentToCheck): void {
  const { body } = content;
  if (!body || body.trim() === '') {
    throw new HubError('BAD_USER_INPUT', 'Message body must not be blank.');
  }
  checkBodyLength(body);
  checkMarkup(body);
  const urls = [content.subject ?? '', body].flatMap((text) => extractLinks(text)).map((link) => link.url);
  checkLinksUseHttps(urls);
  checkNoPersonalDataInLinks(urls, content.patient);
  if (content.mayGoToApp) checkNoKeywordReplyRequest(content.subject, body);
}

function checkBodyLength(body: string): void {
  const length = Array.from(body).length;
  if (length > NHS_APP_BODY_LIMIT) {
    throw new HubError(
      'UNSUPPORTED_CONTENT',
      `Message body is ${length} characters; the NHS App accepts at most ${NHS_APP_BODY_LIMIT}.`,
      { length, limit: NHS_APP_BODY_LIMIT },
    );
  }
}

function checkMarkup(body: string): void {
  const found = findUnsupportedMarkup(body);
  if (found.length > 0) {
    throw new HubError(
      'UNSUPPORTED_CONTENT',
      `Message body uses formatting the NHS App cannot show: ${found.join(', ')}.`,
      { unsupportedMarkup: found },
    );
  }
}

function isHttpsUrl(url: string): boolean {
  return /^https:\/\/[^\s/?#]+/i.test(url);
}

function checkLinksUseHttps(urls: string[]): void {
  const insecure = urls.find((url) => !isHttpsUrl(url));
  if (insecure !== undefined) {
    throw new HubError(
      'UNSUPPORTED_CONTENT',
      `Every link must be a full https:// address; "${insecure}" is not.`,
      { url: insecure },
    );
  }
}

function checkNoPersonalDataInLinks(urls: string[], patient: PatientIdentifiers): void {
  for (const url of urls) {
    const kind = findPersonalDataInUrl(url, patient);
    if (kind !== null) {
      // The URL itself is left out of the error: it holds the personal data.
      throw new HubError(
        'PERSONAL_DATA_IN_URL',
        `A link contains personal data (${kind}). Links must not include anything that identifies a patient.`,
        { kind },
      );
    }
  }
}

function checkNoKeywordReplyRequest(subject: string | null | undefined, body: string): void {
  const phrase = findKeywordReplyRequest(subject ?? '') ?? findKeywordReplyRequest(body);
  if (phrase !== null) {
    throw new HubError(
      'UNSUPPORTED_CONTENT',
      `Patients cannot reply to NHS App messages by text keyword, so remove "${phrase}".`,
      { phrase },
    );
  }
}

// ---------------------------------------------------------------------------
// Personal data in URLs
// ---------------------------------------------------------------------------

function decodeOnce(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text.replace(/%([0-9a-f]{2})/gi, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
  }
}

/** Undoes percent-encoding, including double encoding such as %2540. */
function percentDecoded(text: string): string {
  let current = text;
  for (let round = 0; round < 3; round += 1) {
    const next = decodeOnce(current);
    if (next === current) break;
    current = next;
  }
  return current;
}

function withoutAccents(text: string): string {
  return text.normalize('NFD').replace(/\p{M}/gu, '');
}

/**
 * The URL as comparable text: decoded, lower case, accents removed, scheme dropped.
 * `+` is read both as a space (form encoding) and literally (it can be part of an email or phone).
 */
function readableUrlForms(url: string): string[] {
  const withoutScheme = url.replace(/^[a-z][a-z0-9+.-]*:(?:\/\/)?/i, '');
  const forms = [withoutScheme.replace(/\+/g, ' '), withoutScheme].map((form) =>
    withoutAccents(percentDecoded(form)).toLowerCase(),
  );
  return [...new Set(forms)];
}

/** Joins digits split by spaces, dashes, dots or brackets: "+44 (0)7700-900 123" → "+4407700900123". */
function digitsJoined(text: string): string {
  return text.replace(/(\d)[\s\-.()]+(?=\d)/g, '$1');
}

function digitsOnly(text: string): string {
  return text.replace(/\D/g, '');
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function containsPatientNhsNumber(form: string, patient: PatientIdentifiers): boolean {
  const nhsNumber = digitsOnly(patient.nhsNumber ?? '');
  return nhsNumber.length === 10 && digitsJoined(form).includes(nhsNumber);
}

/** Any 10-digit run, bare or grouped 3-3-4 with spaces or dashes, that passes the Modulus 11 check. */
function containsAnyNhsNumber(form: string): boolean {
  for (const match of form.matchAll(/(?<!\d)(\d{3})([ -]?)(\d{3})\2(\d{4})(?!\d)/g)) {
    if (isValidNhsNumber(match[1] + match[3] + match[4])) return true;
  }
  return false;
}

function nameParts(name: string): string[] {
  return withoutAccents(name ?? '')
    .toLowerCase()
    .split(/[^\p{L}]+/u)
    .filter((part) => part.length >= 2);
}

/** A name (or one of its parts) as a whole word: not inside a longer word. */
function wholeWordPattern(parts: string[]): RegExp {
  const body = parts.map(escapeRegExp).join('[^\\p{L}\\d]*');
  return new RegExp(`(?<!\\p{L})${body}(?!\\p{L})`, 'u');
}

function containsPatientName(form: string, patient: PatientIdentifiers): boolean {
  const given = nameParts(patient.givenName);
  const family = nameParts(patient.familyName);
  const patterns = [...given, ...family].map((part) => wholeWordPattern([part]));
  if (given.length > 0 && family.length > 0) {
    patterns.push(wholeWordPattern([...given, ...family]), wholeWordPattern([...family, ...given]));
  }
  return patterns.some((pattern) => pattern.test(form));
}

const MONTH_NAMES = [
  'jan(?:uary)?', 'feb(?:ruary)?', 'mar(?:ch)?', 'apr(?:il)?', 'may', 'june?', 'july?',
  'aug(?:ust)?', 'sept?(?:ember)?', 'oct(?:ober)?', 'nov(?:ember)?', 'dec(?:ember)?',
];

interface DateParts {
  day: string;
  month: string;
  year: string;
}

type DateOrder = (d: string, m: string, y: string) => string[];
const DATE_ORDERS: DateOrder[] = [
  (d, m, y) => [d, m, y],
  (d, m, y) => [y, m, d],
  (d, m, y) => [m, d, y],
];

/** The date of birth written day-month-year, year-month-day or month-day-year, numerically or with a month name. */
function dateOfBirthPattern(dateOfBirth: string): RegExp | null {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec((dateOfBirth ?? '').trim());
  if (!match) return null;
  const [, year, month, day] = match;
  const monthIndex = Number(month) - 1;
  if (monthIndex < 0 || monthIndex > 11) return null;
  const unpadded = (value: string) => `0?${String(Number(value))}`;
  const twoOrFourDigitYear = `(?:${year}|${year.slice(2)})`;
  const separated: DateParts = { day: unpadded(day), month: unpadded(month), year: twoOrFourDigitYear };
  const compact: DateParts = { day, month, year };
  const named: DateParts = {
    day: `${unpadded(day)}(?:st|nd|rd|th)?`,
    month: MONTH_NAMES[monthIndex],
    year: twoOrFourDigitYear,
  };
  const layouts: [DateParts, string][] = [
    [separated, '[\\s\\-./_,]{1,2}'],
    [compact, ''],
    [named, '[\\s\\-./_,]{0,2}'],
  ];
  const alternatives = layouts.flatMap(([parts, separator]) =>
    DATE_ORDERS.map((order) => order(parts.day, parts.month, parts.year).join(separator)),
  );
  return new RegExp(`(?<!\\d)(?:${alternatives.join('|')})(?!\\d)`);
}

function containsDateOfBirth(form: string, patient: PatientIdentifiers): boolean {
  const pattern = dateOfBirthPattern(patient.dateOfBirth);
  return pattern !== null && pattern.test(form);
}

/** The subscriber number without country code or trunk zero, so 07…, +447… and 00447… all match. */
function significantPhoneDigits(phone: string): string {
  const digits = digitsOnly(phone).replace(/^00/, '');
  if (digits.startsWith('44')) return digits.slice(2).replace(/^0/, '');
  return digits.replace(/^0/, '');
}

function containsPatientPhone(form: string, patient: PatientIdentifiers): boolean {
  const significant = significantPhoneDigits(patient.mobileNumber ?? '');
  return significant.length >= 7 && digitsJoined(form).includes(significant);
}

const UK_MOBILE = /(?<!\d)(?:(?:0044|\+?44)0?|0)7\d{9}(?!\d)/;

function containsAnyUkMobile(form: string): boolean {
  return UK_MOBILE.test(digitsJoined(form));
}

const EMAIL_ADDRESS = /[a-z0-9._%+-]+@[a-z0-9-]+(?:\.[a-z0-9-]+)+/;

function containsEmail(form: string, patient: PatientIdentifiers): boolean {
  const email = (patient.email ?? '').trim().toLowerCase();
  return (email !== '' && form.includes(email)) || EMAIL_ADDRESS.test(form);
}

const POSTCODE_AT_END = /([a-z]{1,2}\d[a-z\d]?)\s*(\d[a-z]{2})[\s.,]*$/i;
const UK_POSTCODE =
  /(?<![a-z0-9])(?:gir[\s\-_]?0aa|[a-pr-uwyz][a-hk-y]?\d[a-z\d]?[\s\-_]?\d[abd-hjlnp-uw-z]{2})(?![a-z0-9])/;

function patientPostcodePattern(postalAddress: string | null | undefined): RegExp | null {
  const match = POSTCODE_AT_END.exec((postalAddress ?? '').trim());
  if (!match) return null;
  const [, outward, inward] = match;
  return new RegExp(`(?<![a-z0-9])${outward.toLowerCase()}[\\s\\-_.]*${inward.toLowerCase()}(?![a-z0-9])`);
}

function containsPostcode(form: string, patient: PatientIdentifiers): boolean {
  const own = patientPostcodePattern(patient.postalAddress);
  return (own !== null && own.test(form)) || UK_POSTCODE.test(form);
}

type PersonalDataCheck = [kind: string, isIn: (form: string, patient: PatientIdentifiers) => boolean];

/** Most specific first: an email address often contains the patient's name too. */
const PERSONAL_DATA_CHECKS: PersonalDataCheck[] = [
  ['NHS number', (form, patient) => containsPatientNhsNumber(form, patient) || containsAnyNhsNumber(form)],
  ['email address', containsEmail],
  ['phone number', (form, patient) => containsPatientPhone(form, patient) || containsAnyUkMobile(form)],
  ['date of birth', containsDateOfBirth],
  ['postcode', containsPostcode],
  ['name', containsPatientName],
];

/**
 * Which kind of personal data the URL carries ('NHS number', 'email address', 'phone number',
 * 'date of birth', 'postcode' or 'name'), or null when it carries none.
 */
export function findPersonalDataInUrl(url: string, patient: PatientIdentifiers): string | null {
  const forms = readableUrlForms(url);
  for (const [kind, isIn] of PERSONAL_DATA_CHECKS) {
    if (forms.some((form) => isIn(form, patient))) return kind;
  }
  return null;
}

// ---------------------------------------------------------------------------
// SMS keyword replies
// ---------------------------------------------------------------------------

/** Words a patient is commonly told to text back. */
const REPLY_KEYWORDS = new Set([
  'yes', 'no', 'y', 'n', 'stop', 'cancel', 'confirm', 'ok', 'okay', 'start', 'help', 'unsubscribe',
  'accept', 'decline', 'agree', 'end', 'optout',
]);
/** Capitalised words that are names, not keywords: "reply NHS App" is not a keyword request. */
const NOT_KEYWORDS = new Set(['NHS', 'GP', 'SMS', 'APP', 'I']);
/** Words that turn "no" into ordinary prose: "reply no later than Friday". */
const NO_AS_PROSE = /^[^\S\r\n]+(?:later|more|longer|need|one|sooner)\b/i;

const REPLY_VERB = /\b(reply|respond|text|txt|send|sms)\b/gi;
const QUOTED_WORD = /^[^\S\r\n]*:?[^\S\r\n]*(?:back[^\S\r\n]+|us[^\S\r\n]+)?(?:with[^\S\r\n]+)?['"‘’“”][\p{L}\d]+['"‘’“”]/iu;
const NEXT_WORD = /^[^\S\r\n]*:?[^\S\r\n]*(?:back[^\S\r\n]+|us[^\S\r\n]+)?(?:with[^\S\r\n]+)?([\p{L}\d]+)/iu;
const WITH_YOUR = /^[^\S\r\n]*(?:back[^\S\r\n]+)?with[^\S\r\n]+(?:your|the|a|an)[^\S\r\n]+(?!nhs[^\S\r\n]+app\b)\p{L}+(?:[^\S\r\n]+(?:of[^\S\r\n]+)?\p{L}+)?/iu;
/** After "reply 1": "to confirm", "for yes", "or 2", or the end of the clause. */
const CHOICE_NUMBER_FOLLOWER = /^(?:[^\S\r\n]+(?:to|for|if|or)\b|[^\S\r\n]*(?:[.,;:!)\r\n]|$))/i;
const TO_DESTINATION = /^[^\S\r\n]+to(?![\p{L}\d])(?:[^\S\r\n]+[\p{L}\d]+)?/iu;

function isKeyword(word: string, after: string): boolean {
  const lower = word.toLowerCase();
  if (lower === 'no' && NO_AS_PROSE.test(after)) return false;
  return REPLY_KEYWORDS.has(lower);
}

/**
 * A word in capitals after a lower-case verb ("reply A", "text JOIN to 60060") reads as a keyword.
 * When the verb is in capitals too ("DO NOT REPLY TO THIS"), capitals say nothing.
 */
function isCapitalisedKeyword(word: string, verb: string): boolean {
  const verbInCapitals = verb === verb.toUpperCase();
  return !verbInCapitals && /^[\p{Lu}\d]+$/u.test(word) && /\p{L}/u.test(word) && !NOT_KEYWORDS.has(word);
}

function isReplyVerb(verb: string): boolean {
  return /^(reply|respond)$/i.test(verb);
}

/** The keyword request that starts at a verb, or null when the verb is used in ordinary prose. */
function keywordRequestAfter(verb: string, after: string): string | null {
  const quoted = QUOTED_WORD.exec(after);
  if (quoted) return verb + quoted[0];

  if (isReplyVerb(verb)) {
    const withYour = WITH_YOUR.exec(after);
    if (withYour) return verb + withYour[0];
  }

  const next = NEXT_WORD.exec(after);
  if (!next) return null;
  const word = next[1];
  const rest = after.slice(next[0].length);
  const destination = TO_DESTINATION.exec(rest);
  const phrase = verb + next[0] + (destination ? destination[0] : '');

  if (isReplyVerb(verb)) {
    const isChoiceNumber = /^\d{1,2}$/.test(word) && CHOICE_NUMBER_FOLLOWER.test(rest);
    return isChoiceNumber || isKeyword(word, rest) || isCapitalisedKeyword(word, verb) ? phrase : null;
  }
  // "text" and "send" are also ordinary words ("send a letter", "a text message"), so the keyword
  // must be a known one in capitals ("text STOP"), or be followed by where to send it ("text stop to 60060").
  const knownInCapitals = word === word.toUpperCase() && REPLY_KEYWORDS.has(word.toLowerCase());
  const sentSomewhere =
    destination !== null && (isCapitalisedKeyword(word, verb) || (isKeyword(word, rest) && word.toLowerCase() !== 'help'));
  return knownInCapitals || sentSomewhere ? phrase : null;
}

/**
 * The phrase asking the patient to reply by SMS keyword ("reply YES", "text STOP to 60060",
 * "reply with your date of birth"), or null. Ordinary mentions of replying ("you cannot reply to
 * this message", "reply in the NHS App") are not requests for a keyword.
 */
export function findKeywordReplyRequest(text: string): string | null {
  for (const match of text.matchAll(REPLY_VERB)) {
    const after = text.slice((match.index ?? 0) + match[0].length);
    const phrase = keywordRequestAfter(match[0], after);
    if (phrase !== null) return phrase.trim();
  }
  return null;
}
