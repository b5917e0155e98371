/** Time as a port, so tests can move it. */
export type Clock = { now(): number };
export const systemClock: Clock = { now: () => Date.now() };

export const iso = (ms: number | null | undefined): string | null => (ms == null ? null : new Date(ms).toISOString());
