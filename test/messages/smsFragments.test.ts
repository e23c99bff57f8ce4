import { SMS_MAX_CHARACTERS, smsEncoding, smsFragments, smsLength } from '../../src/messages/rules/smsFragments';

const gsm = (length: number) => 'a'.repeat(length);
const EMOJI = '😀'; // two UTF-16 code units

describe('smsEncoding', () => {
  it('uses GSM-7 for the basic set, including accented letters and symbols it contains', () => {
    expect(smsEncoding('Hello! Your appointment is at 10:30 (£5 parking) @ Leeds.')).toBe('GSM7');
    expect(smsEncoding('é è ü Ñ ß Δ ¿ ¡ §')).toBe('GSM7');
    expect(smsEncoding('line one\nline two')).toBe('GSM7');
  });

  it('uses GSM-7 for extension characters', () => {
    expect(smsEncoding('^{}\\[~]|€')).toBe('GSM7');
  });

  it('uses UCS-2 when any character is outside GSM 03.38', () => {
    expect(smsEncoding(`Thanks ${EMOJI}`)).toBe('UCS2');
    expect(smsEncoding('It’s ready')).toBe('UCS2'); // curly apostrophe
    expect(smsEncoding('ç')).toBe('UCS2'); // only capital Ç is in the basic set
  });

  it('treats empty text as GSM-7', () => {
    expect(smsEncoding('')).toBe('GSM7');
  });
});

describe('smsLength', () => {
  it('counts one septet per basic character', () => {
    expect(smsLength('Hello')).toBe(5);
  });

  it('counts two septets per extension character and form feed', () => {
    expect(smsLength('€5')).toBe(3);
    expect(smsLength('[x]')).toBe(5);
    expect(smsLength('\f')).toBe(2);
  });

  it('counts UTF-16 code units for UCS-2 text', () => {
    expect(smsLength(`Hi ${EMOJI}`)).toBe(5);
    expect(smsLength('€’')).toBe(2); // UCS-2 has no escape, so € is one unit here
  });
});

describe('smsFragments', () => {
  it('is 0 fragments for empty text', () => {
    expect(smsFragments('')).toEqual({ encoding: 'GSM7', length: 0, fragments: 0 });
  });

  it('fits 160 GSM-7 characters in one SMS and needs two for 161', () => {
    expect(smsFragments(gsm(160))).toEqual({ encoding: 'GSM7', length: 160, fragments: 1 });
    expect(smsFragments(gsm(161))).toEqual({ encoding: 'GSM7', length: 161, fragments: 2 });
  });

  it('fits 153 GSM-7 characters per concatenated part', () => {
    expect(smsFragments(gsm(153 * 2)).fragments).toBe(2);
    expect(smsFragments(gsm(153 * 2 + 1)).fragments).toBe(3);
  });

  it('lets an extension character push the text over a boundary', () => {
    expect(smsFragments(gsm(159) + 'a').fragments).toBe(1);
    expect(smsFragments(gsm(159) + '€')).toEqual({ encoding: 'GSM7', length: 161, fragments: 2 });
  });

  it('fits 70 UCS-2 code units in one SMS and needs two for 71', () => {
    const seventy = gsm(68) + EMOJI;
    expect(smsFragments(seventy)).toEqual({ encoding: 'UCS2', length: 70, fragments: 1 });
    expect(smsFragments(seventy + 'a')).toEqual({ encoding: 'UCS2', length: 71, fragments: 2 });
  });

  it('fits 67 UCS-2 code units per concatenated part', () => {
    const twoParts = gsm(67 * 2 - 2) + EMOJI;
    expect(smsFragments(twoParts)).toEqual({ encoding: 'UCS2', length: 134, fragments: 2 });
    expect(smsFragments(twoParts + 'a')).toEqual({ encoding: 'UCS2', length: 135, fragments: 3 });
  });

  it('turns a whole single GSM-7 SMS into two UCS-2 parts with one emoji', () => {
    expect(smsFragments(gsm(100)).fragments).toBe(1);
    expect(smsFragments(gsm(100) + EMOJI).fragments).toBe(2);
  });

  it('holds exactly six GSM-7 parts at the hub limit', () => {
    expect(SMS_MAX_CHARACTERS).toBe(918);
    expect(smsFragments(gsm(SMS_MAX_CHARACTERS)).fragments).toBe(6);
    expect(smsFragments(gsm(SMS_MAX_CHARACTERS + 1)).fragments).toBe(7);
  });
});
