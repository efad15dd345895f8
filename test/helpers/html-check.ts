/**
 * A small structural check of an email's HTML, strict where mail clients are not: a doctype, every
 * tag well formed with double-quoted attribute values, every element closed in order (void
 * elements excepted), nothing but text between tags. Returns the problems found; none is well formed.
 */
const VOID = new Set(['br', 'hr', 'img', 'meta', 'link', 'input']);
const TAG = /<(\/?)([a-z][a-z0-9]*)((?:\s+[a-z-]+="[^"<>]*")*)\s*>/y;

export function htmlProblems(document: string): string[] {
  const problems: string[] = [];
  if (!/^<!doctype html>\n/i.test(document)) problems.push('no <!doctype html> first');
  const open: string[] = [];
  let i = document.indexOf('>') + 1;
  while (i < document.length) {
    const lt = document.indexOf('<', i);
    if (lt === -1) break;
    const between = document.slice(i, lt);
    if (/[<>]/.test(between)) problems.push(`a bare < or > in text near "${between.slice(0, 40)}"`);
    TAG.lastIndex = lt;
    const match = TAG.exec(document);
    if (match === null) {
      problems.push(`malformed tag at ${lt}: "${document.slice(lt, lt + 40)}"`);
      i = lt + 1;
      continue;
    }
    const [whole, closing, name = ''] = match;
    if (closing) {
      const top = open.pop();
      if (top !== name) problems.push(`</${name}> closes <${top ?? 'nothing'}>`);
    } else if (!VOID.has(name)) {
      open.push(name);
    }
    i = lt + whole.length;
  }
  if (/[<>]/.test(document.slice(i))) problems.push('a bare < or > after the last tag');
  if (open.length > 0) problems.push(`never closed: ${open.join(', ')}`);
  for (const required of ['html', 'head', 'body'])
    if (!new RegExp(`<${required}[\\s>]`).test(document)) problems.push(`no <${required}>`);
  return problems;
}

/** The href of every link in the HTML, entities decoded, mailto: left out. */
export function htmlLinks(document: string): string[] {
  return [...document.matchAll(/<a\s[^>]*href="([^"]*)"/g)]
    .map((m) => decode(m[1] ?? ''))
    .filter((href) => !href.startsWith('mailto:'));
}

/** The src of every image, entities decoded; and any url(…) in an inline style. */
export function htmlImages(document: string): string[] {
  return [
    ...[...document.matchAll(/<img\s[^>]*src="([^"]*)"/g)].map((m) => decode(m[1] ?? '')),
    ...[...document.matchAll(/url\(([^)]*)\)/g)].map((m) => m[1] ?? ''),
  ];
}

export function textLinks(text: string): string[] {
  return [...text.matchAll(/https?:\/\/[^\s<>"]+/g)].map((m) => m[0]);
}

function decode(value: string): string {
  return value
    .replaceAll('&quot;', '"')
    .replaceAll('&#39;', "'")
    .replaceAll('&lt;', '<')
    .replaceAll('&gt;', '>')
    .replaceAll('&amp;', '&');
}
