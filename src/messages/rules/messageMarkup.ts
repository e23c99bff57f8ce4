/**
 * Message bodies are written in the Markdown subset the NHS App renders: headings (#, ##, ###),
 * paragraphs, line breaks, bold, bulleted and numbered lists, and links. Anything else would reach
 * the patient as stray symbols, so it is found here and rejected before sending. The same body is
 * also flattened to plain text for the SMS fallback, where no markup is rendered at all.
 */
import MarkdownIt from 'markdown-it';
import type { Token } from 'markdown-it';

export interface MessageLink {
  text: string | null;
  url: string;
}

// ---------------------------------------------------------------------------
// Unsupported markup
// ---------------------------------------------------------------------------

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

/** The same body as the renderer parses it, raw HTML included, so HTML is seen where the app would see it. */
const rendererView = new MarkdownIt({ html: true });

function problemsInToken(token: Token): string[] {
  switch (token.type) {
    case 'fence':
    case 'code_block':
      return ['code block (```)'];
    case 'html_block':
    case 'html_inline':
      return htmlTagsIn(token.content);
    case 'image':
      return ['image ![…](…)'];
    case 'code_inline':
      return ['inline code (`…`)'];
    case 'table_open':
      return ['table'];
    case 'hr':
      return ['horizontal rule'];
    case 'blockquote_open':
      return ['blockquote (>)'];
    case 'heading_open': {
      const level = Number(token.tag.slice(1));
      return level >= 4 ? [`heading level ${level} (${'#'.repeat(level)})`] : [];
    }
    default:
      return [];
  }
}

function collectProblems(tokens: Token[], found: Set<string>): void {
  for (const token of tokens) {
    for (const problem of problemsInToken(token)) found.add(problem);
    // An image's alt text is not markup of its own.
    if (token.children && token.type !== 'image') collectProblems(token.children, found);
  }
}

/** Describes each kind of markup the NHS App cannot render, in order of appearance; empty when the body is fine. */
export function findUnsupportedMarkup(body: string): string[] {
  return [...unsupportedMarkupOf(body)];
}

/**
 * The last few bodies' parse results. A bulk send repeats one body in every item, and each item
 * is checked for markup and links more than once (content rules, links against the patient,
 * the content report): the Markdown parse was the costliest part of accepting it. Callers get
 * copies, so nothing they do changes what the next caller sees.
 */
function recentlyParsed<T>(parse: (body: string) => T): (body: string) => T {
  const recent = new Map<string, T>();
  return (body) => {
    const known = recent.get(body);
    if (known !== undefined) return known;
    const result = parse(body);
    if (recent.size >= RECENT_BODIES) recent.delete(recent.keys().next().value as string);
    recent.set(body, result);
    return result;
  };
}

const RECENT_BODIES = 16;

const unsupportedMarkupOf = recentlyParsed((body): readonly string[] => {
  const found = new Set<string>();
  collectProblems(rendererView.parse(body, {}), found);
  return Object.freeze([...found]);
});

// ---------------------------------------------------------------------------
// Links
// ---------------------------------------------------------------------------

/** `[text](url)` or `[text](url "title")`, allowing one level of parentheses inside the URL. */
const MARKDOWN_LINK = /(!?)\[([^[\]\n]*)\]\(\s*<?((?:[^()\s<>]|\([^()\s]*\))+)>?(?:\s+(?:"[^"]*"|'[^']*'))?\s*\)/g;
const AUTOLINK = /<([a-zA-Z][a-zA-Z0-9+.-]{1,31}:[^\s<>]+)>/g;
const EMAIL_AUTOLINK = /<([^\s<>@:/]+@[^\s<>@]+\.[^\s<>@]+)>/g;
const BARE_URL = /(?:\b[a-zA-Z][a-zA-Z0-9+.-]*:\/\/|(?<![\w@/.:-])www\.)[^\s<>]+/g;

/**
 * The renderer's own reading of the body: links come from a real Markdown parse, so entities,
 * backslash escapes, `<…>` destinations and reference definitions are decoded as the app decodes them.
 */
const markdown = new MarkdownIt({ linkify: true });
markdown.linkify.set({ fuzzyEmail: false, fuzzyLink: true });
// Every destination is reported as written (after Markdown decoding), whatever its scheme.
markdown.validateLink = () => true;
markdown.normalizeLink = (url) => url;
markdown.normalizeLinkText = (text) => text;

/** Bare links count when written with a scheme (`https://…`) or as a `www.` host. */
const WRITTEN_AS_LINK = /^(?:[a-z][a-z0-9+.-]*:\/\/|www\.)/i;

/** A link label's token as written: emphasis markers kept, so "**here**" reads as written. */
function writtenText(token: Token): string {
  if (token.type === 'softbreak' || token.type === 'hardbreak') return '\n';
  if (token.type === 'code_inline') return `${token.markup}${token.content}${token.markup}`;
  if (token.type.endsWith('_open') || token.type.endsWith('_close')) return token.markup;
  return String(token.content);
}

function linksInTokens(tokens: Token[], found: MessageLink[]): void {
  for (let index = 0; index < tokens.length; index += 1) {
    const token = tokens[index];
    if (token.children) linksInTokens(token.children, found);
    if (token.type !== 'link_open') continue;
    let text: string = '';
    for (let next = index + 1; next < tokens.length && tokens[next].type !== 'link_close'; next += 1) text += writtenText(tokens[next]);
    const href = String(token.attrGet('href') ?? '');
    if (token.markup === 'linkify') {
      if (WRITTEN_AS_LINK.test(text)) found.push({ text: null, url: text });
    } else if (token.markup === 'autolink') {
      found.push({ text: null, url: href });
    } else {
      found.push({ text, url: href });
    }
  }
}

/** How the renderer sees the body's structure: its top-level blocks, and headings of levels 1 to 3. */
export function blockStructure(body: string): { blocks: number; headings: number } {
  const tokens = markdown.parse(body, {});
  const topLevel = tokens.filter((token) => token.level === 0 && token.nesting !== -1 && token.type !== 'inline');
  const headings = tokens.filter((token) => token.type === 'heading_open' && ['h1', 'h2', 'h3'].includes(token.tag));
  return { blocks: topLevel.length, headings: headings.length };
}

/**
 * Every link in the body, in order: markdown links (with their text), reference links, autolinks
 * and bare URLs (any `scheme://`, and `www.` hosts, returned as written). Images are not links.
 */
export function extractLinks(body: string): MessageLink[] {
  return linksOfBody(body).map((link) => ({ ...link }));
}

const linksOfBody = recentlyParsed((body): readonly MessageLink[] => {
  const found: MessageLink[] = [];
  linksInTokens(markdown.parse(body, {}), found);
  return Object.freeze(found.map((link) => Object.freeze(link)));
});

// ---------------------------------------------------------------------------
// Plain text
// ---------------------------------------------------------------------------

const HEADING = /^ {0,3}#{1,6}(?:\s+(.*?))?(?:\s+#+)?\s*$/;
const BULLET_ITEM = /^\s*[-*+]\s+(.*)$/;
const NUMBERED_ITEM = /^\s*(\d{1,9})[.)]\s+(.*)$/;
const BOLD = /(\*\*|__)(?=\S)([\s\S]*?\S)\1/g;
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
