import {
  checkContent,
  ContentToCheck,
  findKeywordReplyRequest,
  findPersonalDataInUrl,
  NHS_APP_BODY_LIMIT,
  PatientIdentifiers,
} from '../../src/messages/rules/contentRules';
import { HubError } from '../../src/shared/errors';
import { isValidNhsNumber } from '../../src/patients/nhsNumber';

const patient: PatientIdentifiers = {
  nhsNumber: '943 476 5919',
  givenName: 'Jane',
  familyName: 'Smith-Jones',
  dateOfBirth: '1980-03-14',
  mobileNumber: '07700 900123',
  email: 'j.sj@example.com',
  postalAddress: '1 High Street, Leeds, LS1 1UA',
};

function content(overrides: Partial<ContentToCheck> = {}): ContentToCheck {
  return { subject: 'Your appointment', body: 'Your appointment is on Monday.', mayGoToApp: true, patient, ...overrides };
}

function errorFrom(action: () => void): HubError {
  try {
    action();
  } catch (error) {
    if (error instanceof HubError) return error;
    throw error;
  }
  throw new Error('expected a HubError to be thrown');
}

describe('test NHS numbers', () => {
  it('are valid or invalid as the tests assume', () => {
    expect(['9434765919', '9434765870', '4010232137'].map(isValidNhsNumber)).toEqual([true, true, true]);
    expect(isValidNhsNumber('9434765918')).toBe(false);
  });
});

describe('checkContent', () => {
  it('accepts ordinary content with safe links', () => {
    const body =
      '# Flu vaccine\n\nDear Jane Smith-Jones (NHS number 943 476 5919), you can now book.\n\n' +
      '[Read about the flu vaccine](https://www.nhs.uk/conditions/flu-vaccine/) or book at ' +
      'https://example.nhs.uk/book?ref=abc123.\n\nYou do not need to reply.';
    expect(() => checkContent(content({ body }))).not.toThrow();
  });

  it('allows personal data in the body text outside links', () => {
    const body = 'Born 14/03/1980, mobile 07700 900123, email j.sj@example.com, postcode LS1 1UA.';
    expect(() => checkContent(content({ body }))).not.toThrow();
  });

  it.each(['', '   ', '\n\t\n'])('rejects a blank body %p as BAD_USER_INPUT', (body) => {
    const error = errorFrom(() => checkContent(content({ body })));
    expect(error.code).toBe('BAD_USER_INPUT');
    expect(error.message).toMatch(/blank/);
  });

  it('accepts a body of exactly 5,000 characters and rejects 5,001', () => {
    expect(NHS_APP_BODY_LIMIT).toBe(5000);
    expect(() => checkContent(content({ body: 'a'.repeat(5000) }))).not.toThrow();
    const error = errorFrom(() => checkContent(content({ body: 'a'.repeat(5001) })));
    expect(error.code).toBe('UNSUPPORTED_CONTENT');
    expect(error.message).toMatch(/5001 characters.*5000/);
  });

  it('rejects unsupported markup and says what was found', () => {
    const error = errorFrom(() => checkContent(content({ body: 'Hello <b>Jane</b>\n\n> quoted' })));
    expect(error.code).toBe('UNSUPPORTED_CONTENT');
    expect(error.message).toContain('HTML tag <b>');
    expect(error.message).toContain('blockquote');
  });

  it('checks markup before links', () => {
    const error = errorFrom(() => checkContent(content({ body: '<b>x</b> http://example.com' })));
    expect(error.message).toContain('HTML tag <b>');
  });

  it.each([
    'See http://www.nhs.uk/flu',
    'See ftp://files.example.com/leaflet.pdf',
    'See www.nhs.uk/flu',
    'See [email us](mailto:gp@example.nhs.uk)',
    'See [call us](tel:01134960000)',
    'See <http://www.nhs.uk/>',
  ])('rejects a link that is not https: %p', (body) => {
    const error = errorFrom(() => checkContent(content({ body })));
    expect(error.code).toBe('UNSUPPORTED_CONTENT');
    expect(error.message).toMatch(/https/);
  });

  it('accepts an https link written in capitals', () => {
    expect(() => checkContent(content({ body: 'See HTTPS://WWW.NHS.UK/' }))).not.toThrow();
  });

  it('rejects personal data in a link without repeating it in the error', () => {
    const error = errorFrom(() => checkContent(content({ body: 'Book at https://example.nhs.uk/book?nhs=9434765919' })));
    expect(error.code).toBe('PERSONAL_DATA_IN_URL');
    expect(error.message).toContain('NHS number');
    expect(error.message).not.toContain('9434765919');
    expect(error.details).toEqual({ kind: 'NHS number' });
  });

  it('checks links in the subject as well as the body', () => {
    const error = errorFrom(() =>
      checkContent(content({ subject: 'See https://example.nhs.uk/jane', body: 'Hello.' })),
    );
    expect(error.code).toBe('PERSONAL_DATA_IN_URL');
  });

  it('checks the https rule before personal data', () => {
    const error = errorFrom(() => checkContent(content({ body: 'http://example.nhs.uk/9434765919' })));
    expect(error.code).toBe('UNSUPPORTED_CONTENT');
  });

  it('rejects a keyword reply request in a message that may go to the app', () => {
    const error = errorFrom(() => checkContent(content({ body: 'Reply YES to confirm your appointment.' })));
    expect(error.code).toBe('UNSUPPORTED_CONTENT');
    expect(error.message).toContain('Reply YES');
  });

  it('rejects a keyword reply request in the subject', () => {
    const error = errorFrom(() => checkContent(content({ subject: 'Reply Y to confirm', body: 'Your appointment.' })));
    expect(error.code).toBe('UNSUPPORTED_CONTENT');
  });

  it('allows a keyword reply request when the message cannot go to the app', () => {
    expect(() => checkContent(content({ body: 'Reply YES to confirm.', mayGoToApp: false }))).not.toThrow();
  });

  it('checks the rules that need no patient data before the patient record, so a refusal says nothing about the patient', () => {
    const error = errorFrom(() => checkContent(content({ body: 'Reply YES. https://example.nhs.uk/smith-jones' })));
    expect(error.code).toBe('UNSUPPORTED_CONTENT');
    const shaped = errorFrom(() => checkContent(content({ body: 'Reply YES. https://example.nhs.uk/?d=01-02-1990' })));
    expect(shaped.code).toBe('PERSONAL_DATA_IN_URL');
  });
});

describe('findPersonalDataInUrl', () => {
  const check = (url: string) => findPersonalDataInUrl(url, patient);

  describe('ordinary URLs', () => {
    it.each([
      'https://www.nhs.uk/conditions/flu-vaccine/',
      'https://example.nhs.uk/book?ref=abc123',
      'https://www.nhs.uk/conditions/b12-or-folate-deficiency-anaemia/',
      'https://www.nhs.uk/conditions/covid-19/covid-19-vaccination/?utm_source=sms&utm_campaign=2024q1',
      'https://example.nhs.uk/forms/3f2a9c1d-1b2c-4d5e-8f90-a1b2c3d4e5f6',
      'https://example.nhs.uk/janet/smithson',
      'https://example.nhs.uk/leaflet.pdf?page=12&version=2.1',
      'https://example.nhs.uk/doc/9434765918',
    ])('finds nothing in %p', (url) => {
      expect(check(url)).toBeNull();
    });
  });

  describe('NHS numbers', () => {
    it.each([
      'https://x.nhs.uk/p/9434765919',
      'https://x.nhs.uk/p?n=943-476-5919',
      'https://x.nhs.uk/p?n=943%20476%205919',
      'https://x.nhs.uk/p?n=943+476+5919',
      'https://x.nhs.uk/p?n=943.476.5919',
      'https://x.nhs.uk/p?n=%39%34%33%34%37%36%35%39%31%39',
    ])("finds the patient's NHS number in %p", (url) => {
      expect(check(url)).toBe('NHS number');
    });

    it.each([
      'https://x.nhs.uk/p?n=9434765870',
      'https://x.nhs.uk/p/4010232137/results',
      'https://x.nhs.uk/p?n=401-023-2137',
      'https://x.nhs.uk/p?n=401%20023%202137',
    ])("finds another patient's valid NHS number in %p", (url) => {
      expect(check(url)).toBe('NHS number');
    });

    it('ignores 10-digit runs that fail the check digit and longer digit runs', () => {
      expect(check('https://x.nhs.uk/p?n=9434765918')).toBeNull();
      expect(check('https://x.nhs.uk/p?n=194347658701')).toBeNull();
    });
  });

  describe('names', () => {
    it.each([
      'https://x.nhs.uk/jane',
      'https://x.nhs.uk/?who=JANE',
      'https://x.nhs.uk/?family=smith-jones',
      'https://x.nhs.uk/?who=smith',
      'https://x.nhs.uk/patients/jones/results',
      'https://x.nhs.uk/?n=jane+smith-jones',
      'https://x.nhs.uk/janesmithjones',
      'https://x.nhs.uk/jane1980',
    ])('finds the name in %p', (url) => {
      expect(check(url)).toBe('name');
    });

    it('does not match a name inside a longer word', () => {
      expect(check('https://x.nhs.uk/janet')).toBeNull();
      expect(check('https://x.nhs.uk/blacksmiths')).toBeNull();
    });

    it('ignores accents and one-letter name parts', () => {
      const zoe = { ...patient, givenName: 'Zoë', familyName: 'O', postalAddress: null };
      expect(findPersonalDataInUrl('https://x.nhs.uk/?n=zoe', zoe)).toBe('name');
      expect(findPersonalDataInUrl('https://x.nhs.uk/o/page', zoe)).toBeNull();
    });
  });

  describe('full dates, whoever they belong to', () => {
    it.each([
      '1980-03-14',
      '14/03/1980',
      '14%2F03%2F1980',
      '14-03-1980',
      '14.03.1980',
      '14031980',
      '19800314',
      '14/3/1980',
      '3/14/1980',
      '14 Mar 1980',
      '14+Mar+1980',
      '14-March-1980',
      '14mar1980',
      '14th-march-1980',
      '14/03/80',
    ])('finds %p', (date) => {
      expect(check(`https://x.nhs.uk/check?dob=${date}`)).toBe('date');
    });

    it("refuses any full date, not only the patient's, so the answer cannot reveal the date of birth", () => {
      expect(check('https://x.nhs.uk/news/2024-03-14')).toBe('date');
      expect(check('https://x.nhs.uk/news/15/03/1980')).toBe('date');
    });

    it('does not match the same digits in a longer number, or a month and year alone', () => {
      expect(check('https://x.nhs.uk/ref/5140319801')).toBeNull();
      expect(check('https://x.nhs.uk/news/2024/03/')).toBeNull();
    });
  });

  describe('phone numbers', () => {
    it.each([
      'https://x.nhs.uk/?m=07700900123',
      'https://x.nhs.uk/?m=07700%20900123',
      'https://x.nhs.uk/?m=%2B447700900123',
      'https://x.nhs.uk/?m=447700900123',
      'https://x.nhs.uk/?m=+44 (0)7700 900-123',
    ])("finds the patient's number in %p", (url) => {
      expect(check(url)).toBe('phone number');
    });

    it.each(['https://x.nhs.uk/?m=07123456789', 'https://x.nhs.uk/?m=%2B447123456789', 'https://x.nhs.uk/?m=07123 456 789'])(
      'finds any UK mobile number in %p',
      (url) => {
        expect(check(url)).toBe('phone number');
      },
    );

    it('compares a patient number given in international form', () => {
      const international = { ...patient, mobileNumber: '+44 7700 900456' };
      expect(findPersonalDataInUrl('https://x.nhs.uk/?m=7700-900-456', international)).toBe('phone number');
    });

    it('finds landline numbers too', () => {
      expect(check('https://x.nhs.uk/?call=01134960000')).toBe('phone number');
    });
  });

  describe('email addresses', () => {
    it.each([
      'https://x.nhs.uk/?e=j.sj@example.com',
      'https://x.nhs.uk/?e=J.SJ%40EXAMPLE.COM',
      'https://x.nhs.uk/?e=j.sj%2540example.com',
      'https://x.nhs.uk/?e=someone.else%40example.org',
      'https://x.nhs.uk/?e=first+tag%40example.org',
    ])('finds %p', (url) => {
      expect(check(url)).toBe('email address');
    });

    it('does not treat an @ at the start of a path segment as an email address', () => {
      expect(check('https://social.example.com/@nhsengland/posts')).toBeNull();
    });
  });

  describe('postcodes', () => {
    it.each([
      'https://x.nhs.uk/?pc=LS1 1UA',
      'https://x.nhs.uk/?pc=ls11ua',
      'https://x.nhs.uk/?pc=LS1+1UA',
      'https://x.nhs.uk/?pc=ls1-1ua',
      'https://x.nhs.uk/?pc=LS1%201UA',
    ])("finds the patient's postcode in %p", (url) => {
      expect(check(url)).toBe('postcode');
    });

    it.each(['https://x.nhs.uk/?pc=SW1A%201AA', 'https://x.nhs.uk/near/m11ae', 'https://x.nhs.uk/?pc=EC1M+5QA'])(
      'finds any UK postcode in %p',
      (url) => {
        expect(check(url)).toBe('postcode');
      },
    );

    it('finds the patient postcode even when it is not a standard pattern', () => {
      const odd = { ...patient, postalAddress: '1 Road, Town, QQ1 1QQ.' };
      expect(findPersonalDataInUrl('https://x.nhs.uk/?pc=qq11qq', odd)).toBe('postcode');
      expect(findPersonalDataInUrl('https://x.nhs.uk/?pc=qq11qq', patient)).toBeNull();
    });
  });

  it('works for a patient with no optional contact details', () => {
    const minimal: PatientIdentifiers = { nhsNumber: '9434765919', givenName: 'Al', familyName: 'Xu', dateOfBirth: '2001-01-01' };
    expect(findPersonalDataInUrl('https://www.nhs.uk/conditions/flu-vaccine/', minimal)).toBeNull();
    expect(findPersonalDataInUrl('https://x.nhs.uk/xu', minimal)).toBe('name');
    expect(findPersonalDataInUrl('https://x.nhs.uk/page/1101', minimal)).toBeNull();
  });
});

describe('findKeywordReplyRequest', () => {
  it.each([
    ['Please reply YES to confirm.', 'reply YES to confirm'],
    ['Reply Y to confirm', 'Reply Y to confirm'],
    ['Please reply with your date of birth', 'reply with your date of birth'],
    ['Please reply with your NHS number', 'reply with your NHS number'],
    ['To opt out text STOP to 12345', 'text STOP to 12345'],
    ['To cancel, text CANCEL to', 'text CANCEL to'],
    ['send STOP to 60060', 'send STOP to 60060'],
    ['Please respond YES', 'respond YES'],
    ['reply 1 to confirm, 2 to cancel', 'reply 1 to confirm'],
    ["Please reply 'NO' if you cannot come", "reply 'NO'"],
    ['Reply “yes” to book', 'Reply “yes”'],
    ['reply yes', 'reply yes'],
    ['Reply A for morning or B for afternoon', 'Reply A'],
    ['text stop to 60060', 'text stop to 60060'],
    ['REPLY YES TO CONFIRM', 'REPLY YES TO CONFIRM'],
  ])('finds the request in %p', (text, phrase) => {
    expect(findKeywordReplyRequest(text)).toBe(phrase);
  });

  it.each([
    'You do not need to reply.',
    'You cannot reply to this message.',
    'Please reply in the NHS App.',
    'You can reply with your NHS App.',
    'You can reply through the NHS App or via the NHS App.',
    'Reply with the NHS App.',
    'Do not stop taking your tablets.',
    'We will send you a text message.',
    'We will send a letter to your home.',
    'Text us on 0113 496 0000.',
    'DO NOT REPLY TO THIS MESSAGE',
    'Please reply no later than Friday.',
    'If you need to reply\nYes, we are open on Saturday.',
    'Please answer 3 questions in the form.',
    'We will send help to your home.',
    'Please reply within 2 days.',
  ])('does not flag %p', (text) => {
    expect(findKeywordReplyRequest(text)).toBeNull();
  });
});
