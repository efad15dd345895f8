import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { checkTemplate, parseTemplate, type Template, TemplateError } from './engine.ts';
import {
  BODY_VARIABLES,
  BRAND_VARIABLES,
  EMAIL_VARIABLES,
  type EmailTemplateName,
  PAGE_NAMES,
  PAGE_VARIABLES,
} from './variables.ts';

/**
 * Reads TEMPLATES_DIR once, at start-up, and checks every file in it: a syntax error, an unknown
 * variable or a file that overrides nothing stops oto with a message naming the file, not the
 * first email that uses it. The layout:
 *
 *   TEMPLATES_DIR/verify-email.subject.txt | verify-email.html | verify-email.txt   (each email kind)
 *   TEMPLATES_DIR/layout.html, TEMPLATES_DIR/pages/login.html                       (pages)
 *   TEMPLATES_DIR/de/…                                                              (German only; wins)
 *
 * A missing file falls back to the built-in.
 */

export type TemplatePart = 'subject' | 'html' | 'text';

/** Parsed templates by `locale/name` ('' for every language), e.g. `de/verify-email.html`. */
export interface TemplateSet {
  readonly dir: string | null;
  readonly files: ReadonlyMap<string, Template>;
}

export const NO_TEMPLATES: TemplateSet = { dir: null, files: new Map() };

/** The kind's file for the part in this language, else for every language, else none. */
export function findEmailTemplate(
  set: TemplateSet,
  locale: string,
  kind: EmailTemplateName,
  part: TemplatePart,
): Template | undefined {
  const file = part === 'subject' ? `${kind}.subject.txt` : part === 'html' ? `${kind}.html` : `${kind}.txt`;
  return set.files.get(`${locale}/${file}`) ?? set.files.get(`/${file}`);
}

export function findPageTemplate(set: TemplateSet, locale: string, page: string): Template | undefined {
  const { files } = set;
  return (
    files.get(`${locale}/pages/${page}.html`) ??
    files.get(`/pages/${page}.html`) ??
    files.get(`${locale}/layout.html`) ??
    files.get('/layout.html')
  );
}

/** `locales`: the subfolders allowed, one per supported language. */
export function loadTemplates(dir: string | null, locales: readonly string[]): TemplateSet {
  if (dir === null) return NO_TEMPLATES;
  if (!isDirectory(dir)) throw new TemplateError(`TEMPLATES_DIR: ${dir} is not a folder`);
  const files = new Map<string, Template>();
  const read = (folder: string, locale: string) => {
    for (const entry of readdirSync(join(dir, folder), { withFileTypes: true })) {
      const relative = folder === '' ? entry.name : `${folder}/${entry.name}`;
      if (entry.isDirectory()) {
        if (entry.name === 'pages' && !folder.endsWith('pages')) read(relative, locale);
        else if (folder === '' && locales.includes(entry.name)) read(relative, entry.name);
        else
          throw new TemplateError(
            `${join(dir, relative)}: unknown folder; expected pages/ or one of ${locales.join(', ')}`,
          );
        continue;
      }
      if (!/\.(html|txt)$/.test(entry.name)) continue;
      const inLocale = locale === '' ? relative : relative.slice(locale.length + 1);
      const known = variablesOf(inLocale);
      const path = join(dir, relative);
      if (known === null)
        throw new TemplateError(`${path}: overrides no email or page (see docs/templates.md)`);
      try {
        const template = parseTemplate(readFileSync(path, 'utf8'));
        checkTemplate(template, known);
        files.set(`${locale}/${inLocale}`, template);
      } catch (error) {
        if (error instanceof TemplateError) throw new TemplateError(`${path}: ${error.message}`);
        throw error;
      }
    }
  };
  read('', '');
  return { dir, files };
}

/** The variables a file may use, from its name; null for a name that overrides nothing. */
function variablesOf(file: string): ReadonlySet<string> | null {
  const page = /^pages\/([a-z-]+)\.html$/.exec(file)?.[1];
  if (file === 'layout.html' || (page !== undefined && PAGE_NAMES.includes(page)))
    return new Set([...BRAND_VARIABLES, ...PAGE_VARIABLES]);
  const email = /^([a-z-]+)(\.subject\.txt|\.html|\.txt)$/.exec(file);
  const kind = email?.[1];
  if (kind === undefined || !Object.hasOwn(EMAIL_VARIABLES, kind)) return null;
  const own = EMAIL_VARIABLES[kind as EmailTemplateName];
  return new Set([...BRAND_VARIABLES, ...own, ...(email?.[2] === '.subject.txt' ? [] : BODY_VARIABLES)]);
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
