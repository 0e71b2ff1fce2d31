/**
 * GitHub's REST rate limits as documented ("Rate limits for the REST API",
 * https://docs.github.com/rest/using-the-rest-api/rate-limits-for-the-rest-api):
 * - primary: 60 requests/hour unauthenticated (per IP), 5,000 per user token, and for GITHUB_TOKEN
 *   (an installation token in Actions) 1,000 per hour per repository. Exceeded: 403 (or 429) with
 *   `x-ratelimit-remaining: 0` and `x-ratelimit-reset` (epoch seconds).
 * - secondary: no more than 900 points per minute for REST (GET/HEAD/OPTIONS 1 point, other methods
 *   5 points) and no more than 80 content-creating requests per minute; exceeded: 403 or 429 with
 *   `retry-after`. Here the points limit answers 429 and the content-creation limit 403, so clients
 *   see both statuses. (GitHub's concurrency limit of 100 is not modelled.)
 * Windows are fixed, from the first request, on the emulator's clock (tests move it).
 * Injected faults (FaultSpec) come before the limits.
 */

export interface FaultSpec {
  /** `secondary` (403 or 429 + retry-after), `primary` (403, remaining 0), `server` (5xx), `unauthorized` (401). */
  kind: 'secondary' | 'primary' | 'server' | 'unauthorized';
  /** How many matching requests fail (default 1). */
  count?: number;
  /** HTTP status for `server` faults (default 502) and `secondary` ones (403 or 429, default 403). */
  status?: number;
  /** Seconds in the retry-after header of a secondary rate limit (default 1). */
  retryAfter?: number;
  /** Only requests whose METHOD and path match (e.g. `GET /repos/org/app/issues/1/comments`, a substring). */
  match?: string;
}

export interface Window {
  limit: number;
  used: number;
  /** Epoch seconds. */
  reset: number;
}

export const LIMITS = {
  anonymous: 60,
  user: 5000,
  /** GITHUB_TOKEN: 1,000 requests per hour per repository. */
  installation: 1000,
  pointsPerMinute: 900,
  contentCreationPerMinute: 80,
};

export const RATE_LIMIT_DOCS = 'https://docs.github.com/rest/using-the-rest-api/rate-limits-for-the-rest-api';
export const SECONDARY_MESSAGE =
  'You have exceeded a secondary rate limit. Please wait a few minutes before you try again. If you reach out to GitHub Support for help, please include the request ID.';

const WRITE = new Set(['POST', 'PATCH', 'PUT', 'DELETE']);

export class Limits {
  private readonly primary = new Map<string, Window>();
  private readonly points = new Map<string, Window>();
  private readonly creations = new Map<string, Window>();
  readonly faults: (FaultSpec & { remaining: number })[] = [];
  /** Overrides of the primary limit sizes (tests). */
  sizes = { ...LIMITS };

  constructor(private readonly nowMs: () => number) {}

  clear(): void {
    this.primary.clear();
    this.points.clear();
    this.creations.clear();
    this.faults.length = 0;
    this.sizes = { ...LIMITS };
  }

  inject(fault: FaultSpec): void {
    this.faults.push({ ...fault, remaining: fault.count ?? 1 });
  }

  takeFault(method: string, path: string): FaultSpec | undefined {
    const index = this.faults.findIndex((f) => f.remaining > 0 && (!f.match || `${method} ${path}`.includes(f.match)));
    if (index < 0) return undefined;
    const fault = this.faults[index]!;
    fault.remaining--;
    if (fault.remaining <= 0) this.faults.splice(index, 1);
    return fault;
  }

  private window(map: Map<string, Window>, key: string, size: number, seconds: number): Window {
    const nowS = Math.floor(this.nowMs() / 1000);
    let w = map.get(key);
    if (!w || w.reset <= nowS) {
      w = { limit: size, used: 0, reset: nowS + seconds };
      map.set(key, w);
    }
    return w;
  }

  /** The primary window of a caller: `installation:<repo>`, `token:<t>` or `anonymous:<ip>`. */
  primaryFor(key: string, kind: 'anonymous' | 'user' | 'installation'): Window {
    return this.window(this.primary, key, this.sizes[kind], 3600);
  }

  /** Secondary limits: the retry-after seconds and status when the request exceeds one, else undefined. */
  secondary(key: string, method: string): { status: 403 | 429; retryAfter: number } | undefined {
    const points = this.window(this.points, key, this.sizes.pointsPerMinute, 60);
    const cost = WRITE.has(method) ? 5 : 1;
    const nowS = Math.floor(this.nowMs() / 1000);
    if (points.used + cost > points.limit) return { status: 429, retryAfter: Math.max(1, points.reset - nowS) };
    if (WRITE.has(method)) {
      const creations = this.window(this.creations, key, this.sizes.contentCreationPerMinute, 60);
      if (creations.used + 1 > creations.limit) return { status: 403, retryAfter: Math.max(1, creations.reset - nowS) };
      creations.used++;
    }
    points.used += cost;
    return undefined;
  }

  static headers(w: Window): Record<string, string> {
    return {
      'x-ratelimit-limit': String(w.limit),
      'x-ratelimit-remaining': String(Math.max(0, w.limit - w.used)),
      'x-ratelimit-used': String(w.used),
      'x-ratelimit-reset': String(w.reset),
      'x-ratelimit-resource': 'core',
    };
  }
}
