import { escapeHtml, SafeHtml } from '../html.ts';

/**
 * The operator's templates (TEMPLATES_DIR): a small subset of Mustache, and nothing more.
 *
 *   {{name}}                 the value, escaped for HTML in an .html file
 *   {{#name}} … {{/name}}    the inside, when the value is set (not empty, false or absent)
 *   {{^name}} … {{/name}}    the inside, when it is not
 *   {{! a comment }}
 *
 * There is no raw output ({{{name}}} and {{&name}} are syntax errors), no partials, no lambdas and
 * no loops: every name a template can reach is known when it is parsed, so checkTemplate finds
 * every unknown variable at start-up, and escaping cannot be switched off by a template. Values
 * oto made itself as HTML (SafeHtml: a page's form, an email's built-in body) go in as they are,
 * as in the html tagged template of src/html.ts.
 */

type Node =
  | { kind: 'text'; text: string }
  | { kind: 'value'; name: string; line: number }
  | { kind: 'section'; name: string; inverted: boolean; line: number; children: Node[] };

export interface Template {
  readonly nodes: readonly Node[];
}

export type TemplateValue = string | number | boolean | SafeHtml | null | undefined;
export type TemplateValues = Readonly<Record<string, TemplateValue>>;

/** A template that cannot be used: the message names the place (line) and the reason. */
export class TemplateError extends Error {
  override name = 'TemplateError';
}

const TAG = /\{\{([\s\S]*?)\}\}/g;
const NAME = /^[a-zA-Z][a-zA-Z0-9_]*$/;

export function parseTemplate(source: string): Template {
  const root: Node[] = [];
  const open: { node: Extract<Node, { kind: 'section' }>; parent: Node[] }[] = [];
  let current = root;
  let last = 0;
  const lineAt = (index: number) => source.slice(0, index).split('\n').length;
  for (const match of source.matchAll(TAG)) {
    const line = lineAt(match.index);
    if (match.index > last) current.push({ kind: 'text', text: source.slice(last, match.index) });
    last = match.index + match[0].length;
    const inner = match[1] ?? '';
    if (inner.startsWith('{') || inner.startsWith('&'))
      throw new TemplateError(
        `line ${line}: raw output ({{{…}}} or {{&…}}) is not supported; values are always escaped`,
      );
    const sigil = /^[#^/!]/.test(inner) ? (inner[0] ?? '') : '';
    if (sigil === '!') continue;
    const name = inner.slice(sigil.length).trim();
    if (!NAME.test(name)) throw new TemplateError(`line ${line}: "{{${inner}}}" is not a variable name`);
    if (sigil === '#' || sigil === '^') {
      const node = { kind: 'section' as const, name, inverted: sigil === '^', line, children: [] };
      current.push(node);
      open.push({ node, parent: current });
      current = node.children;
    } else if (sigil === '/') {
      const top = open.pop();
      if (top === undefined) throw new TemplateError(`line ${line}: {{/${name}}} closes no section`);
      if (top.node.name !== name)
        throw new TemplateError(
          `line ${line}: {{/${name}}} closes {{#${top.node.name}}} (line ${top.node.line})`,
        );
      current = top.parent;
    } else {
      current.push({ kind: 'value', name, line });
    }
  }
  const rest = source.slice(last);
  if (rest.includes('{{'))
    throw new TemplateError(`line ${lineAt(last + rest.indexOf('{{'))}: "{{" is never closed`);
  if (rest.length > 0) current.push({ kind: 'text', text: rest });
  const unclosed = open.pop();
  if (unclosed !== undefined)
    throw new TemplateError(`line ${unclosed.node.line}: {{#${unclosed.node.name}}} is never closed`);
  return { nodes: root };
}

/** Every variable the template uses that is not in `known`: an error naming the first one. */
export function checkTemplate(template: Template, known: ReadonlySet<string>): void {
  const visit = (nodes: readonly Node[]) => {
    for (const node of nodes) {
      if (node.kind === 'text') continue;
      if (!known.has(node.name))
        throw new TemplateError(
          `line ${node.line}: unknown variable "${node.name}"; this template knows ${[...known].sort().join(', ')}`,
        );
      if (node.kind === 'section') visit(node.children);
    }
  };
  visit(template.nodes);
}

/** Fills the template. `as` 'html' escapes every value but SafeHtml; 'text' writes them as they are. */
export function renderTemplate(template: Template, values: TemplateValues, as: 'html' | 'text'): string {
  const show = (value: TemplateValue): string => {
    if (value === null || value === undefined || value === false) return '';
    if (value instanceof SafeHtml) return value.value;
    return as === 'html' ? escapeHtml(value) : String(value);
  };
  const visit = (nodes: readonly Node[]): string =>
    nodes
      .map((node) => {
        if (node.kind === 'text') return node.text;
        if (node.kind === 'value') return show(values[node.name]);
        const value = values[node.name];
        const set = value !== null && value !== undefined && value !== false && String(value) !== '';
        return set !== node.inverted ? visit(node.children) : '';
      })
      .join('');
  return visit(template.nodes);
}
