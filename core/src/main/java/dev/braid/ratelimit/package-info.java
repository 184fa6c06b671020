/**
 * Sliding-window rate limiting: {@link dev.braid.ratelimit.RateLimiter}, exact (never more
 * than N grants in any interval of the window's length) or approximate with constant memory.
 */
package dev.braid.ratelimit;
