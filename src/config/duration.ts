const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400, w: 604_800 };

/**
 * Parses "90", "90s", "15m", "1h", "7d" or "2w" into whole seconds.
 * Returns null for anything else, including zero and negative values, so that
 * callers can name the offending variable in their own error message.
 */
export function parseDurationSeconds(text: string): number | null {
  const match = /^\s*(\d{1,10})\s*([smhdw]?)\s*$/.exec(text);
  if (!match) return null;
  const amount = Number(match[1]);
  const seconds = amount * (UNIT_SECONDS[match[2] || 's'] ?? 1);
  return seconds > 0 && Number.isSafeInteger(seconds) ? seconds : null;
}

/** "3600" → "1 hour"; used in emails and pages to say how long a link stays valid. */
export function describeDuration(seconds: number): string {
  const units: Array<[number, string]> = [
    [604_800, 'week'],
    [86_400, 'day'],
    [3600, 'hour'],
    [60, 'minute'],
  ];
  for (const [size, name] of units) {
    if (seconds >= size && seconds % size === 0) {
      const n = seconds / size;
      return `${n} ${name}${n === 1 ? '' : 's'}`;
    }
  }
  if (seconds >= 3600) return `${Math.round(seconds / 3600)} hours`;
  if (seconds >= 60) return `${Math.round(seconds / 60)} minutes`;
  return `${seconds} second${seconds === 1 ? '' : 's'}`;
}
