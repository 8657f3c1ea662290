// Types of the rate-limiter-flexible files imported one by one rather than through the package's index, which
// loads every store it supports (and node:cluster, node:child_process …) at each start: see
// src/security/rate-limit.ts. Each file's default export is the class the index exports under that name.
declare module 'rate-limiter-flexible/lib/RateLimiterMemory.js' {
  import { RateLimiterMemory } from 'rate-limiter-flexible';
  export default RateLimiterMemory;
}
declare module 'rate-limiter-flexible/lib/RateLimiterRes.js' {
  import { RateLimiterRes } from 'rate-limiter-flexible';
  export default RateLimiterRes;
}
