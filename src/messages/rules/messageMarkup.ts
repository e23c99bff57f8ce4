/**
 * Message bodies are written in the Markdown subset the NHS App renders: headings (#, ##, ###),
 * paragraphs, line breaks, bold, bulleted and numbered lists, and links. Anything else would reach
 * the patient as stray symbols, so it is found here and rejected before sending. The same body is
 * also flattened to plain text for the SMS fallback, where no markup is rendered at all.
 */

export interface MessageLink {
  text: string | null;
  url: string;
}

// ---------------------------------------------------------------------------
// Unsupported markup
// ---------------------------------------------------------------------------

const FENCE_LINE = /^ {0,3}(```|~~~)/;
const DEEP_HEADING = /^ {0,3}(#{4,})(?:\s|$)/;
const BLOCKQUOTE = /^ {0,3}>(?:\s|$)/;
const HORIZONTAL_RULE = /^ {0,3}([-*_])(?:[ \t]*\1){2,}[ \t]*$/;
const TABLE_SEPARATOR = /^\s*\|?\s*:?-+:?\s*(?:\|\s*:?-+:?\s*)+\|?\s*$|^\s*\|\s*:?-+:?\s*\|\s*$/;
const IMAGE = /!\[[^[\]\n]*\]\([^)\n]*\)/;
const HTML_COMMENT = /<!--/;
const HTML_TAG = /<\/?([a-zA-Z][a-zA-Z0-9-]*)((?:\s[^<>]*)?)\/?>/g;

/**
 * Element names that make `<name>` an HTML tag rather than prose such as "<normal range>".
 * A tag with an attribute (`<foo bar="x">`) counts whatever its name.
 */
const HTML_ELEMENTS = new Set([
  'a', 'abbr', 'address', 'article', 'aside', 'audio', 'b', 'base', 'bdi', 'bdo', 'blockquote', 'body',
  'br', 'button', 'canvas', 'caption', 'center', 'cite', 'code', 'col', 'colgroup', 'data', 'dd', 'del',
  'details', 'dfn', 'dialog', 'div', 'dl', 'dt', 'em', 'embed', 'fieldset', 'figcaption', 'figure', 'font',
  'footer', 'form', 'frame', 'frameset', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'head', 'header', 'hr', 'html',
  'i', 'iframe', 'img', 'input', 'ins', 'kbd', 'label', 'legend', 'li', 'link', 'main', 'mark', 'marquee',
  'meta', 'meter', 'nav', 'noscript', 'object', 'ol', 'optgroup', 'option', 'output', 'p', 'param',
  'picture', 'pre', 'progress', 'q', 's', 'samp', 'script', 'section', 'select', 'small', 'source', 'span',
  'strike', 'strong', 'style', 'sub', 'summary', 'sup', 'svg', 'table', 'tbody', 'td', 'template',
  'textarea', 'tfoot', 'th', 'thead', 'time', 'title', 'tr', 'track', 'u', 'ul', 'var', 'video', 'wbr',
]);

function splitLines(body: string): string[] {
  return body.replace(/\r\n?/g, '\n').split('\n');
}

function htmlTagsIn(line: string): string[] {
  const tags: string[] = [];
  for (const match of line.matchAll(HTML_TAG)) {
    const name = match[1].toLowerCase();
    const hasAttribute = /=/.test(match[2]);
    if (HTML_ELEMENTS.has(name) || hasAttribute) tags.push(`HTML tag <${name}>`);
  }
  if (HTML_COMMENT.test(line)) tags.push('HTML comment <!-- -->');
  return tags;
}

function isTableSeparatorAfterCells(lines: string[], index: number): boolean {
  return TABLE_SEPARATOR.test(lines[index]) && index > 0 && lines[index - 1].includes('|');
}

function problemsInLine(lines: string[], index: number): string[] {
  const line = lines[index];
  const problems = htmlTagsIn(line);
  if (IMAGE.test(line)) problems.push('image ![…](…)');
  if (line.includes('`')) problems.push('inline code (`…`)');
  if (isTableSeparatorAfterCells(lines, index)) problems.push('table');
  else if (HORIZONTAL_RULE.test(line)) problems.push('horizontal rule');
  if (BLOCKQUOTE.test(line)) problems.push('blockquote (>)');
  const deepHeading = DEEP_HEADING.exec(line);
  if (deepHeading) problems.push(`heading level ${deepHeading[1].length} (${deepHeading[1]})`);
  return problems;
}

/** Describes each kind of markup the NHS App cannot render; empty when the body is fine. */
export function findUnsupportedMarkup(body: string): string[] {
  const lines = splitLines(body);
  const found = new Set<string>();
  let insideCodeBlock = false;
  lines.forEach((line, index) => {
    if (FENCE_LINE.test(line)) {
      found.add('code block (```)');
      insideCodeBlock = !insideCodeBlock;
      return;
    }
    if (insideCodeBlock) return;
    for (const problem of problemsInLine(lines, index)) found.add(problem);
  });
  return [...found];
}

// ---------------------------------------------------------------------------
// Links
// ---------------------------------------------------------------------------

/** `[text](url)` or `[text](url "title")`, allowing one level of parentheses inside the URL. */
const MARKDOWN_LINK = /(!?)\[([^[\]\n]*)\]\(\s*<?((?:[^()\s<>]|\([^()\s]*\))+)>?(?:\s+(?:"[^"]*"|'[^']*'))?\s*\)/g;
const AUTOLINK = /<([a-zA-Z][a-zA-Z0-9+.-]{1,31}:[^\s<>]+)>/g;
const EMAIL_AUTOLINK = /<([^\s<>@:/]+@[^\s<>@]+\.[^\s<>@]+)>/g;
const BARE_URL = /(?:\b[a-zA-Z][a-zA-Z0-9+.-]*:\/\/|(?<![\w@/.:-])www\.)[^\s<>]+/g;

interface FoundLink extends MessageLink {
  index: number;
  length: number;
  isImage: boolean;
}

function countOf(text: string, char: string): number {
  return text.split(char).length - 1;
}

/** Drops sentence punctuation, closing bold markers and unbalanced brackets that follow a bare URL. */
function trimBareUrl(candidate: string): string {
  let url = candidate;
  for (;;) {
    const last = url.slice(-1);
    if (/[.,;:!?'"*_]/.test(last)) url = url.slice(0, -1);
    else if (last === ')' && countOf(url, ')') > countOf(url, '(')) url = url.slice(0, -1);
    else if (last === ']' && countOf(url, ']') > countOf(url, '[')) url = url.slice(0, -1);
    else return url;
  }
}

function blankOut(text: string, index: number, length: number): string {
  return text.slice(0, index) + ' '.repeat(length) + text.slice(index + length);
}

/** Finds every link with its position, images included, in the order they appear. */
function findLinks(body: string): FoundLink[] {
  const links: FoundLink[] = [];
  let remaining = body;
  const take = (pattern: RegExp, toLink: (match: RegExpMatchArray) => Omit<FoundLink, 'index' | 'length'>) => {
    for (const match of remaining.matchAll(pattern)) {
      const index = match.index ?? 0;
      links.push({ ...toLink(match), index, length: match[0].length });
    }
    for (const link of links) remaining = blankOut(remaining, link.index, link.length);
  };
  take(MARKDOWN_LINK, (m) => ({ text: m[2], url: m[3], isImage: m[1] === '!' }));
  take(AUTOLINK, (m) => ({ text: null, url: m[1], isImage: false }));
  take(EMAIL_AUTOLINK, (m) => ({ text: null, url: `mailto:${m[1]}`, isImage: false }));
  for (const match of remaining.matchAll(BARE_URL)) {
    const url = trimBareUrl(match[0]);
    if (url.length > 0) links.push({ text: null, url, index: match.index ?? 0, length: url.length, isImage: false });
  }
  return links.sort((a, b) => a.index - b.index);
}

/**
 * Every link in the body: markdown links (with their text), autolinks and bare URLs
 * (any `scheme://`, and `www.` hosts written without a scheme, which are returned as written).
 * Images are not links and are left out.
 */
export function extractLinks(body: string): MessageLink[] {
  return findLinks(body)
    .filter((link) => !link.isImage)
    .map(({ text, url }) => ({ text, url }));
}

// ---------------------------------------------------------------------------
// Plain text
// ---------------------------------------------------------------------------

const HEADING = /^ {0,3}#{1,6}(?:\s+(.*?))?(?:\s+#+)?\s*$/;
const BULLET_ITEM = /^\s*[-*+]\s+(.*)$/;
const NUMBERED_ITEM = /^\s*(\d{1,9})[.)]\s+(.*)$/;
const BOLD = /(\*\*|__)(?=\S)([\s\S]*?\S)\1/g;
const ESCAPED_CHARACTER = /\\([\\`*_{}[\]()#+\-.!>|])/g;
const PLACEHOLDER = /\u0000(\d+)\u0000/g;

function withoutBold(text: string): string {
  let current = text;
  for (;;) {
    const next = current.replace(BOLD, '$2');
    if (next === current) return current;
    current = next;
  }
}

function comparableUrl(text: string): string {
  return text.trim().toLowerCase().replace(/^[a-z][a-z0-9+.-]*:\/\//, '').replace(/\/+$/, '');
}

function linkAsPlainText(text: string, url: string): string {
  const label = withoutBold(text).trim();
  if (label === '' || comparableUrl(label) === comparableUrl(url)) return url;
  return `${label}: ${url}`;
}

/** Flattens bold and links in one line, keeping URLs and escaped characters untouched. */
function inlineAsPlainText(line: string): string {
  const kept: string[] = [];
  const keep = (text: string) => `\u0000${kept.push(text) - 1}\u0000`;
  let text = line.replace(/\u0000/g, '');
  text = text.replace(ESCAPED_CHARACTER, (_, char: string) => keep(char));
  text = text.replace(MARKDOWN_LINK, (_, _image, label: string, url: string) => keep(linkAsPlainText(label, url)));
  text = text.replace(AUTOLINK, (_, url: string) => keep(url));
  text = text.replace(EMAIL_AUTOLINK, (_, address: string) => keep(address));
  text = text.replace(BARE_URL, (match) => {
    const url = trimBareUrl(match);
    return keep(url) + match.slice(url.length);
  });
  text = withoutBold(text);
  return text.replace(PLACEHOLDER, (_, index: string) => kept[Number(index)]);
}

function lineAsPlainText(rawLine: string): string {
  const line = rawLine.replace(/\\$/, '').trimEnd();
  const heading = HEADING.exec(line);
  if (heading) return inlineAsPlainText(heading[1] ?? '').trim();
  const bullet = BULLET_ITEM.exec(line);
  if (bullet) return `- ${inlineAsPlainText(bullet[1]).trim()}`;
  const numbered = NUMBERED_ITEM.exec(line);
  if (numbered) return `${numbered[1]}. ${inlineAsPlainText(numbered[2]).trim()}`;
  return inlineAsPlainText(line).trim();
}

function joinWithSingleBlankLines(lines: string[]): string {
  const joined: string[] = [];
  for (const line of lines) {
    const previous = joined[joined.length - 1];
    if (line === '' && (previous === undefined || previous === '')) continue;
    joined.push(line);
  }
  return joined.join('\n').trim();
}

/**
 * The SMS fallback version of a body: headings become their text, bold markers go, markdown links
 * become `text: url`, list markers stay, and paragraphs are separated by exactly one blank line.
 */
export function toPlainText(body: string): string {
  return joinWithSingleBlankLines(splitLines(body).map(lineAsPlainText));
}
