// autocannon ships no types; the benchmark uses only this much of its result.
declare module 'autocannon' {
  type Histogram = { average: number; p50: number; p99: number; total: number };
  type Result = { requests: Histogram; latency: Histogram; non2xx: number; errors: number; timeouts: number; '2xx': number };
  type Options = { url: string; method?: string; connections?: number; duration?: number; overallRate?: number; headers?: Record<string, string>; body?: string };
  export default function autocannon(opts: Options): Promise<Result>;
}
