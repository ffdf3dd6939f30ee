/** The part of autocannon's programmatic API bench/serve.ts uses (the package ships no types). */
declare module 'autocannon' {
  export interface Histogram { average: number; mean: number; stddev: number; min: number; max: number; p50: number; p90: number; p97_5: number; p99: number; p99_9: number }
  export interface Options {
    url: string; connections?: number; duration?: number; overallRate?: number; pipelining?: number; timeout?: number;
    method?: string; headers?: Record<string, string>; body?: string;
  }
  export interface Result {
    requests: Histogram & { total: number; sent: number }; latency: Histogram & { totalCount: number }; throughput: Histogram;
    duration: number; errors: number; timeouts: number; non2xx: number; statusCodeStats: Record<string, { count: number }>;
    '2xx': number;
  }
  function autocannon(opts: Options): Promise<Result>;
  export default autocannon;
}
