/**
 * A link as comparable text, whatever disguise it wears: Unicode NFKC, digits of every script
 * as ASCII, zero-width characters and soft hyphens removed, percent-decoding repeated until
 * nothing changes, punycode host labels decoded, lower case without accents.
 */
import { domainToUnicode } from 'node:url';

const INVISIBLE = /[\p{Cf}\u00AD\u034F\u115F\u1160\u17B4\u17B5\u180B-\u180F\u3164\uFE00-\uFE0F\uFFA0]/gu;
const DECIMAL_DIGIT = /\p{Nd}/u;
const ANY_DECIMAL_DIGIT = /\p{Nd}/gu;
const PUNYCODE_LABEL = /xn--[a-z0-9-]+/gi;

/** Unicode keeps each script's digits 0-9 in one contiguous run of code points. */
function asciiDigit(char: string): string {
  const codePoint = char.codePointAt(0)!;
  let zero = codePoint;
  while (codePoint - zero < 9 && DECIMAL_DIGIT.test(String.fromCodePoint(zero - 1))) zero -= 1;
  return String((codePoint - zero) % 10);
}

function percentDecodedOnce(text: string): string {
  return text.replace(/(?:%[0-9a-f]{2})+/gi, (run) => {
    try {
      return decodeURIComponent(run);
    } catch {
      return run.replace(/%([0-9a-f]{2})/gi, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
    }
  });
}

function decodedPunycode(text: string): string {
  return text.replace(PUNYCODE_LABEL, (label) => domainToUnicode(label.toLowerCase()) || label);
}

function normalisedOnce(text: string): string {
  return decodedPunycode(percentDecodedOnce(text))
    .normalize('NFKC')
    .replace(ANY_DECIMAL_DIGIT, (digit) => (digit >= '0' && digit <= '9' ? digit : asciiDigit(digit)))
    .replace(INVISIBLE, '');
}

function withoutAccents(text: string): string {
  return text.normalize('NFD').replace(/\p{M}/gu, '').normalize('NFC');
}

/** The link as plain comparable text; repeated until stable, so no layering of encodings hides anything. */
export function normaliseLink(url: string): string {
  let current = url;
  for (let round = 0; round < 10; round += 1) {
    const next = normalisedOnce(current);
    if (next === current) break;
    current = next;
  }
  return withoutAccents(current).toLowerCase();
}
