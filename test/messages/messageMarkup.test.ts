import { extractLinks, findUnsupportedMarkup, toPlainText } from '../../src/messages/rules/messageMarkup';

describe('findUnsupportedMarkup', () => {
  it('accepts every element of the supported subset', () => {
    const body = [
      '# Your appointment',
      '## When',
      '### Where',
      '',
      'Your appointment is on **Monday** at __10am__.  ',
      'Please arrive early.',
      '',
      '- bring your medication',
      '* bring your glasses',
      '1. check in at reception',
      '2. wait to be called',
      '',
      'Read [about flu](https://www.nhs.uk/conditions/flu/) or https://www.nhs.uk/vaccinations/.',
    ].join('\n');
    expect(findUnsupportedMarkup(body)).toEqual([]);
  });

  it('allows a lone less-than sign and autolinks', () => {
    expect(findUnsupportedMarkup('Your result is a < b and c > d.')).toEqual([]);
    expect(findUnsupportedMarkup('Results <5 are normal. See <https://www.nhs.uk/>.')).toEqual([]);
    expect(findUnsupportedMarkup('Take it <normal dose> each day')).toEqual([]);
  });

  it.each([
    ['<b>bold</b>', 'HTML tag <b>'],
    ['<script>alert(1)</script>', 'HTML tag <script>'],
    ['<a href="https://example.com">link</a>', 'HTML tag <a>'],
    ['line<br/>break', 'HTML tag <br>'],
    ['<custom data-x="1">', 'HTML tag <custom>'],
    ['<!-- hidden -->', 'HTML comment <!-- -->'],
  ])('finds raw HTML in %p', (body, description) => {
    expect(findUnsupportedMarkup(body)).toContain(description);
  });

  it('finds images, and does not mistake them for links', () => {
    expect(findUnsupportedMarkup('![a scan](https://example.nhs.uk/scan.png)')).toEqual(['image ![…](…)']);
  });

  it('finds code blocks without reporting their contents', () => {
    const body = 'Before\n```\n<b>not reported</b>\n# Heading\n```\nAfter';
    expect(findUnsupportedMarkup(body)).toEqual(['code block (```)']);
  });

  it('finds inline code', () => {
    expect(findUnsupportedMarkup('Type `yes` in the box')).toEqual(['inline code (`…`)']);
  });

  it('finds tables by their separator row', () => {
    const body = '| Day | Time |\n|-----|------|\n| Mon | 9am |';
    expect(findUnsupportedMarkup(body)).toEqual(['table']);
    expect(findUnsupportedMarkup('Day | Time\n--- | ---\nMon | 9am')).toEqual(['table']);
  });

  it('does not treat a pipe in a sentence as a table', () => {
    expect(findUnsupportedMarkup('Open Mon | Tue | Wed')).toEqual([]);
  });

  it('finds blockquotes', () => {
    expect(findUnsupportedMarkup('> quoted advice')).toEqual(['blockquote (>)']);
  });

  it('finds headings of level 4 or more but not levels 1 to 3', () => {
    expect(findUnsupportedMarkup('#### Too deep')).toEqual(['heading level 4 (####)']);
    expect(findUnsupportedMarkup('###### Deeper')).toEqual(['heading level 6 (######)']);
    expect(findUnsupportedMarkup('### Fine')).toEqual([]);
  });

  it.each(['---', '***', '___', '- - -', '* * *'])('finds the horizontal rule %p', (rule) => {
    expect(findUnsupportedMarkup(`Above\n\n${rule}\n\nBelow`)).toEqual(['horizontal rule']);
  });

  it('reads the body as the renderer parses it', () => {
    // an underline under text makes a level 2 heading, not a rule
    expect(findUnsupportedMarkup('Your results\n---\n\nAll normal.')).toEqual([]);
    // four spaces after a blank line make a code block
    expect(findUnsupportedMarkup('Your results:\n\n    normal\n\nThank you.')).toEqual(['code block (```)']);
    // backticks that close nothing are plain text
    expect(findUnsupportedMarkup('Press the ` key')).toEqual([]);
  });

  it('reports each kind once, however often it occurs', () => {
    expect(findUnsupportedMarkup('<b>a</b> and <b>b</b>\n> one\n> two')).toEqual(['HTML tag <b>', 'blockquote (>)']);
  });
});

describe('extractLinks', () => {
  it('returns markdown links with their text', () => {
    expect(extractLinks('Read [about flu](https://www.nhs.uk/conditions/flu/) today')).toEqual([
      { text: 'about flu', url: 'https://www.nhs.uk/conditions/flu/' },
    ]);
  });

  it('drops a markdown link title and keeps brackets inside the URL', () => {
    expect(extractLinks('[wiki](https://en.wikipedia.org/wiki/Flu_(disambiguation) "Flu")')).toEqual([
      { text: 'wiki', url: 'https://en.wikipedia.org/wiki/Flu_(disambiguation)' },
    ]);
  });

  it('returns autolinks', () => {
    expect(extractLinks('See <https://www.nhs.uk/> now')).toEqual([{ text: null, url: 'https://www.nhs.uk/' }]);
  });

  it('returns bare URLs of any scheme and www hosts as written', () => {
    expect(extractLinks('Go to http://a.example, ftp://files.example/x or www.nhs.uk/flu.')).toEqual([
      { text: null, url: 'http://a.example' },
      { text: null, url: 'ftp://files.example/x' },
      { text: null, url: 'www.nhs.uk/flu' },
    ]);
  });

  it('trims sentence punctuation, brackets and bold markers from bare URLs', () => {
    expect(extractLinks('(see https://www.nhs.uk/flu) and **https://www.nhs.uk/covid**!')).toEqual([
      { text: null, url: 'https://www.nhs.uk/flu' },
      { text: null, url: 'https://www.nhs.uk/covid' },
    ]);
  });

  it('does not report a www host inside a full URL twice', () => {
    expect(extractLinks('https://www.nhs.uk/')).toEqual([{ text: null, url: 'https://www.nhs.uk/' }]);
  });

  it('does not report a URL used as link text as a second link', () => {
    expect(extractLinks('[https://www.nhs.uk](https://www.nhs.uk)')).toEqual([
      { text: 'https://www.nhs.uk', url: 'https://www.nhs.uk' },
    ]);
  });

  it('returns mailto and tel links written as markdown', () => {
    expect(extractLinks('[email us](mailto:gp@example.nhs.uk) or [call](tel:01134960000)')).toEqual([
      { text: 'email us', url: 'mailto:gp@example.nhs.uk' },
      { text: 'call', url: 'tel:01134960000' },
    ]);
  });

  it('leaves images out', () => {
    expect(extractLinks('![scan](https://example.nhs.uk/scan.png)')).toEqual([]);
  });

  it('returns links in the order they appear', () => {
    const body = 'First https://a.example then [second](https://b.example) then <https://c.example>';
    expect(extractLinks(body).map((link) => link.url)).toEqual([
      'https://a.example',
      'https://b.example',
      'https://c.example',
    ]);
  });

  it('returns nothing for text without links', () => {
    expect(extractLinks('Your test results are normal.')).toEqual([]);
  });
});

describe('toPlainText', () => {
  it('turns headings into their text and removes bold markers', () => {
    expect(toPlainText('# Your results\n\nThey are **normal** and __final__.')).toBe(
      'Your results\n\nThey are normal and final.',
    );
  });

  it('writes markdown links as "text: url"', () => {
    expect(toPlainText('Book [your flu vaccine](https://www.nhs.uk/flu) now')).toBe(
      'Book your flu vaccine: https://www.nhs.uk/flu now',
    );
  });

  it('writes only the URL when the link text is the URL', () => {
    expect(toPlainText('[https://www.nhs.uk/](https://www.nhs.uk/)')).toBe('https://www.nhs.uk/');
    expect(toPlainText('[www.nhs.uk](https://www.nhs.uk)')).toBe('https://www.nhs.uk');
  });

  it('unwraps autolinks and keeps bare URLs whole, even with underscores', () => {
    expect(toPlainText('See <https://www.nhs.uk/> or https://example.nhs.uk/__init__/page')).toBe(
      'See https://www.nhs.uk/ or https://example.nhs.uk/__init__/page',
    );
  });

  it('removes bold inside link text', () => {
    expect(toPlainText('[**Book now**](https://example.nhs.uk/book)')).toBe('Book now: https://example.nhs.uk/book');
  });

  it('keeps list markers, normalising * bullets to -', () => {
    expect(toPlainText('- one\n* two\n+ three\n1. first\n2) second')).toBe('- one\n- two\n- three\n1. first\n2. second');
  });

  it('separates paragraphs by exactly one blank line and trims', () => {
    expect(toPlainText('\n\nFirst paragraph\n\n\n\nSecond\nline\n\n')).toBe('First paragraph\n\nSecond\nline');
  });

  it('drops markdown line-break markers', () => {
    expect(toPlainText('Line one  \nLine two\\\nLine three')).toBe('Line one\nLine two\nLine three');
  });

  it('handles Windows line endings', () => {
    expect(toPlainText('# Hi\r\n\r\nThere')).toBe('Hi\n\nThere');
  });

  it('keeps escaped markdown characters as plain characters', () => {
    expect(toPlainText('Use \\*\\*stars\\*\\* literally')).toBe('Use **stars** literally');
  });

  it('returns an empty string for a blank body', () => {
    expect(toPlainText('  \n\n ')).toBe('');
  });
});
