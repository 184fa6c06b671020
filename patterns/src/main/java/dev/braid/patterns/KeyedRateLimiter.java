package dev.braid.patterns;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.RemovalCause;
import dev.braid.ratelimit.RateLimiter;
import dev.braid.time.Ticker;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An exact sliding-window {@link RateLimiter} per key (per client, per API key, per IP) whose
 * memory stays bounded however many distinct keys arrive.
 *
 * <pre>{@code
 * KeyedRateLimiter<String> perClient = KeyedRateLimiter.<String>builder(100, Duration.ofMinutes(1))
 *         .maxKeys(50_000)                                   // hard cap on live keys
 *         .overflow(KeyedRateLimiter.Overflow.DENY)           // the default: fail closed
 *         .build();
 * if (!perClient.tryAcquire(request.clientId())) {
 *     return tooManyRequests();                               // HTTP 429
 * }
 * }</pre>
 *
 * <p><b>The guarantee.</b> For every key, in every interval of length {@code window}, at most
 * {@code permits} requests for that key are granted, under any interleaving: the guarantee of
 * {@link RateLimiter#slidingWindow(int, Duration)}, kept across the dropping of idle keys.
 *
 * <p><b>Memory.</b> A key's limiter is dropped once the key has not been asked for during a
 * whole window. That cannot break the guarantee: every grant of the dropped limiter lies at
 * least a window in the past, so a fresh limiter for the key is indistinguishable from the old
 * one. A key-spraying client therefore leaves behind at most the keys of one window, and never
 * more than {@code maxKeys} live keys exist. Each live key costs one cache entry (about
 * 100 bytes) plus its limiter (about 200 bytes plus 8 bytes per permit; use
 * {@link Builder#approximate()} for large limits).
 *
 * <p><b>When {@code maxKeys} keys are live</b> and a request arrives for a new key, the
 * {@link Overflow} policy decides: {@link Overflow#DENY} (the default) denies it, failing
 * closed, so a flood of new keys cannot lift the limit of anybody; {@link Overflow#SHARE}
 * meters every such request against one shared limiter of the same rate; {@link Overflow#ALLOW}
 * grants it unmetered (failing open: choose it only when availability matters more than the
 * limit). Known keys are never affected, and new keys are admitted again as idle keys are
 * dropped.
 *
 * <p><b>Blocking:</b> none. Every method returns at once; there is deliberately no blocking
 * acquire per key, because a waiting request would keep a key's limiter in use for longer
 * than the idle rule can see (a server answers an over-limit client with "429, retry after"
 * rather than by parking a thread per client).
 *
 * <p><b>Thread-safety:</b> safe for use by any number of threads.
 *
 * <p><b>Memory consistency effects:</b> none beyond those of {@link RateLimiter}: a limiter
 * meters calls, it does not guard data.
 *
 * @param <K> the type of the keys; they must have consistent {@code equals} and
 *     {@code hashCode}
 */
public final class KeyedRateLimiter<K> {

    /*
     * Implementation notes
     *
     * Storage: a Caffeine cache, key -> RateLimiter, expireAfterAccess(window), with the
     * limiters' own Ticker as its ticker (so the cache and the limiters agree on time) and
     * Runnable::run as its executor (maintenance runs on the calling threads, no pool).
     *
     * Why the grant runs inside asMap().compute: the idle rule is sound only if no grant is
     * made on a limiter after the cache has dropped it. If a caller read the limiter with
     * getIfPresent and then stalled (descheduled, a GC pause) for a whole window before
     * calling tryAcquire, the entry could expire, another caller could create a fresh limiter,
     * and both would grant in the same window. Inside compute the caller holds the map's bin
     * lock for the key, the same lock Caffeine's expiration takes to remove the entry (and it
     * re-checks the access time under it), and compute records an access at the time of the
     * grant. So every grant of a limiter happens at or before its last access, the entry is
     * removed at least a window after that, and a new limiter for the key only ever sees a
     * window free of the old one's grants. The cost is the bin lock per call (a synchronized
     * block on one hash bin, held for the O(1) tryAcquire, which never blocks). An expired
     * entry that compute meets is treated by Caffeine as absent: compute then creates the
     * fresh limiter.
     *
     * Live-key cap: `live` counts entries. The compute function reserves a slot with a CAS
     * loop that never takes the count past maxKeys and gives up (returns null: no entry) when
     * it is full, so the cap is exact, and never exceeded even transiently, when many new keys
     * race in different bins. The eviction listener (run by Caffeine synchronously,
     * atomically with the removal) decrements it for every expired entry. When the cap is hit,
     * cleanUp() is run once to remove entries that expired but were not yet collected, and
     * the request is retried once before the overflow policy applies.
     */

    /** What a request for a new key gets while {@code maxKeys} keys are live. */
    public enum Overflow {
        /** Deny the request (fail closed). The default. */
        DENY,
        /** Meter all such requests against one shared limiter of the same rate. */
        SHARE,
        /** Grant the request without metering (fail open). */
        ALLOW
    }

    private final Cache<K, RateLimiter> limiters;
    private final AtomicInteger live = new AtomicInteger();
    private final int permits;
    private final Duration window;
    private final int maxKeys;
    private final boolean approximate;
    private final Ticker ticker;
    private final Overflow overflow;
    private final RateLimiter shared; // for Overflow.SHARE, else null

    private KeyedRateLimiter(Builder<K> b) {
        this.permits = b.permits;
        this.window = b.window;
        this.maxKeys = b.maxKeys;
        this.approximate = b.approximate;
        this.ticker = b.ticker;
        this.overflow = b.overflow;
        Ticker t = b.ticker;
        this.limiters = Caffeine.newBuilder()
                .expireAfterAccess(window)
                .ticker(t::read)
                .executor(Runnable::run)
                .evictionListener((K key, RateLimiter limiter, RemovalCause cause) -> live.decrementAndGet())
                .build();
        this.shared = overflow == Overflow.SHARE ? newLimiter() : null;
        // Fail at build time, not at the first request, if the limiter settings are bad.
        if (shared == null) {
            newLimiter();
        }
    }

    /**
     * Returns a builder for a limiter of {@code permits} grants per {@code window} and key.
     * Defaults: at most 100,000 live keys, {@link Overflow#DENY}, exact mode, system ticker.
     *
     * @param <K> the type of the keys
     * @param permits the most grants per key in any interval of length {@code window}; at
     *     least 1
     * @param window the window, from 1 ms to 365 days
     * @return a new builder
     * @throws IllegalArgumentException if {@code permits < 1} or {@code window} is out of
     *     range (checked here, or by {@link RateLimiter} at {@link Builder#build()})
     * @throws NullPointerException if {@code window} is null
     */
    public static <K> Builder<K> builder(int permits, Duration window) {
        if (permits < 1) {
            throw new IllegalArgumentException("permits must be at least 1: " + permits);
        }
        Objects.requireNonNull(window, "window");
        if (window.isNegative() || window.isZero()) {
            throw new IllegalArgumentException("window must be positive: " + window);
        }
        return new Builder<>(permits, window);
    }

    /**
     * Takes one permit for {@code key} if one is available now.
     *
     * @param key the key
     * @return true if granted
     * @throws NullPointerException if {@code key} is null
     */
    public boolean tryAcquire(K key) {
        return tryAcquire(key, 1);
    }

    /**
     * Takes {@code permits} permits for {@code key} at once if they are available now.
     *
     * @param key the key
     * @param permits how many, 1 to the limit
     * @return true if all were granted, false if none was
     * @throws IllegalArgumentException if {@code permits} is less than 1 or more than the limit
     * @throws NullPointerException if {@code key} is null
     */
    public boolean tryAcquire(K key, int permits) {
        Objects.requireNonNull(key, "key");
        if (permits < 1 || permits > this.permits) {
            throw new IllegalArgumentException("permits must be between 1 and " + this.permits + ": " + permits);
        }
        Attempt attempt = new Attempt(permits);
        if (limiters.asMap().compute(key, attempt) != null) {
            return attempt.granted;
        }
        // No entry: the live-key cap was hit. Collect expired entries once and retry.
        limiters.cleanUp();
        if (limiters.asMap().compute(key, attempt) != null) {
            return attempt.granted;
        }
        switch (overflow) {
            case SHARE:
                return shared.tryAcquire(permits);
            case ALLOW:
                return true;
            case DENY:
            default:
                return false;
        }
    }

    /**
     * Returns the number of keys that have a live limiter: exact at the moment it is read,
     * counting entries that expired but were not yet collected.
     *
     * @return live keys, 0 to {@code maxKeys}
     */
    public int liveKeys() {
        return live.get();
    }

    /** Collects expired entries now; tests use it to observe the idle rule. */
    void cleanUp() {
        limiters.cleanUp();
    }

    /** Whether {@code key} has a live (unexpired) limiter; does not count as an access. */
    boolean isLive(K key) {
        return limiters.policy().getIfPresentQuietly(key) != null;
    }

    /** Counts one more live key unless the cap is reached; a CAS loop, so the count never passes it. */
    private boolean reserveKey() {
        int n;
        do {
            n = live.get();
            if (n >= maxKeys) {
                return false;
            }
        } while (!live.compareAndSet(n, n + 1)); // volatile CAS: the count is shared by all keys' bins
        return true;
    }

    private RateLimiter newLimiter() {
        RateLimiter.Builder b = RateLimiter.builder().permits(permits).window(window).ticker(ticker);
        if (approximate) {
            b.approximate();
        }
        return b.build();
    }

    /** The remapping function: creates the key's limiter if allowed, then tries the grant. */
    private final class Attempt implements java.util.function.BiFunction<K, RateLimiter, RateLimiter> {
        private final int permits;
        boolean granted;

        Attempt(int permits) {
            this.permits = permits;
        }

        @Override
        public RateLimiter apply(K key, RateLimiter current) {
            RateLimiter limiter = current;
            if (limiter == null) {
                if (!reserveKey()) {
                    return null;
                }
                try {
                    limiter = newLimiter();
                } catch (RuntimeException | Error e) {
                    live.decrementAndGet();
                    throw e;
                }
            }
            granted = limiter.tryAcquire(permits);
            return limiter;
        }
    }

    @Override
    public String toString() {
        return "KeyedRateLimiter[" + permits + " per " + window + " per key, liveKeys=" + live.get()
                + "/" + maxKeys + ", overflow=" + overflow + "]";
    }

    /**
     * Configures a {@link KeyedRateLimiter}. Not thread-safe.
     *
     * @param <K> the type of the keys
     */
    public static final class Builder<K> {
        private final int permits;
        private final Duration window;
        private int maxKeys = 100_000;
        private Overflow overflow = Overflow.DENY;
        private boolean approximate;
        private Ticker ticker = Ticker.system();

        private Builder(int permits, Duration window) {
            this.permits = permits;
            this.window = window;
        }

        /**
         * Sets the hard maximum of live keys.
         *
         * @param maxKeys at least 1
         * @return this builder
         * @throws IllegalArgumentException if {@code maxKeys < 1}
         */
        public Builder<K> maxKeys(int maxKeys) {
            if (maxKeys < 1) {
                throw new IllegalArgumentException("maxKeys must be at least 1: " + maxKeys);
            }
            this.maxKeys = maxKeys;
            return this;
        }

        /**
         * Sets what a request for a new key gets while {@code maxKeys} keys are live.
         *
         * @param overflow the policy; {@link Overflow#DENY} by default
         * @return this builder
         * @throws NullPointerException if {@code overflow} is null
         */
        public Builder<K> overflow(Overflow overflow) {
            this.overflow = Objects.requireNonNull(overflow, "overflow");
            return this;
        }

        /**
         * Uses {@link RateLimiter#approximateSlidingWindow(int, Duration) approximate}
         * limiters: constant memory per key, never more grants than the limit, possibly a
         * few more denials.
         *
         * @return this builder
         */
        public Builder<K> approximate() {
            this.approximate = true;
            return this;
        }

        /**
         * Sets the clock of the limiters and of the idle rule; tests pass a manual one.
         *
         * @param ticker the ticker
         * @return this builder
         * @throws NullPointerException if {@code ticker} is null
         */
        public Builder<K> ticker(Ticker ticker) {
            this.ticker = Objects.requireNonNull(ticker, "ticker");
            return this;
        }

        /**
         * Builds the limiter.
         *
         * @return a new keyed limiter with no live key
         * @throws IllegalArgumentException if {@link RateLimiter} rejects the permits or the
         *     window (for example a window shorter than 1 ms)
         */
        public KeyedRateLimiter<K> build() {
            return new KeyedRateLimiter<>(this);
        }
    }
}
