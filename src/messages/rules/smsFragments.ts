/**
 * How many SMS fragments a text costs. Texts made only of GSM 03.38 characters travel as 7-bit
 * septets (160 per single SMS, 153 per part once concatenated, because each part carries a
 * header); any other character forces UCS-2 for the whole text (70 single, 67 per part).
 * Extension-table characters take two septets (an escape plus the character).
 */

export type SmsEncoding = 'GSM7' | 'UCS2';

export interface SmsFragmentCount {
  encoding: SmsEncoding;
  length: number;
  fragments: number;
}

/** The hub's SMS limit: six concatenated GSM-7 fragments (6 × 153). */
export const SMS_MAX_CHARACTERS = 918;

const GSM7_BASIC_CHARACTERS = new Set(
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?' +
    '¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà',
);
const GSM7_EXTENSION_CHARACTERS = new Set('\f^{}\\[~]|€');

const GSM7_SINGLE_SMS = 160;
const GSM7_PER_PART = 153;
const UCS2_SINGLE_SMS = 70;
const UCS2_PER_PART = 67;

function isGsm7Character(char: string): boolean {
  return GSM7_BASIC_CHARACTERS.has(char) || GSM7_EXTENSION_CHARACTERS.has(char);
}

export function smsEncoding(text: string): SmsEncoding {
  for (const char of text) {
    if (!isGsm7Character(char)) return 'UCS2';
  }
  return 'GSM7';
}

/** Septets for GSM-7 text, UTF-16 code units for UCS-2 text. */
export function smsLength(text: string): number {
  if (smsEncoding(text) === 'UCS2') return text.length;
  let septets = 0;
  for (const char of text) septets += GSM7_EXTENSION_CHARACTERS.has(char) ? 2 : 1;
  return septets;
}

function fragmentsFor(length: number, singleLimit: number, perPart: number): number {
  if (length === 0) return 0;
  return length <= singleLimit ? 1 : Math.ceil(length / perPart);
}

export function smsFragments(text: string): SmsFragmentCount {
  const encoding = smsEncoding(text);
  const length = smsLength(text);
  const fragments =
    encoding === 'GSM7'
      ? fragmentsFor(length, GSM7_SINGLE_SMS, GSM7_PER_PART)
      : fragmentsFor(length, UCS2_SINGLE_SMS, UCS2_PER_PART);
  return { encoding, length, fragments };
}
