/**
 * A User-Agent header in the few words a person recognises in a list of their sessions: "Firefox on
 * Linux", "Safari on iOS". Not a full parser: it knows the common browsers and systems, which is what
 * someone needs to tell their own devices apart, and says "Unknown browser" for the rest. The header
 * is whatever the client chose to send, so this is a description, never evidence.
 *
 * Order matters, because browsers claim each other's names: Edge and Opera say "Chrome", Chrome says
 * "Safari", and every iPhone says "like Mac OS X", so the more specific token is tested first.
 */

const BROWSERS: readonly (readonly [RegExp, string])[] = [
  [/\b(?:Edg|Edge|EdgA|EdgiOS)\//, 'Edge'],
  [/\b(?:OPR|Opera|OPT|OPiOS)\b/, 'Opera'],
  [/\b(?:Firefox|FxiOS)\//, 'Firefox'],
  [/\b(?:Chrome|HeadlessChrome|CriOS|Chromium)\//, 'Chrome'],
  [/\bVersion\/[\d.]+.*\bSafari\//, 'Safari'],
];

const SYSTEMS: readonly (readonly [RegExp, string])[] = [
  [/\bWindows\b/, 'Windows'],
  [/\b(?:iPhone|iPad|iPod)\b/, 'iOS'],
  [/\bAndroid\b/, 'Android'],
  [/\bCrOS\b/, 'ChromeOS'],
  [/\b(?:Macintosh|Mac OS X)\b/, 'macOS'],
  [/\bLinux\b/, 'Linux'],
];

export function describeUserAgent(userAgent: string | null | undefined): string {
  if (userAgent === null || userAgent === undefined) return 'Unknown browser';
  const browser = BROWSERS.find(([pattern]) => pattern.test(userAgent))?.[1];
  const system = SYSTEMS.find(([pattern]) => pattern.test(userAgent))?.[1];
  if (browser === undefined) return system === undefined ? 'Unknown browser' : `Unknown browser on ${system}`;
  return system === undefined ? browser : `${browser} on ${system}`;
}
