package dev.braid.examples;

import dev.braid.ratelimit.RateLimiter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * Scenario: a client of an API that allows 5 requests per second. Ten threads share one
 * {@link RateLimiter}; every request first takes a permit. The local server records when each
 * request arrived, and the example checks the server's view: no one-second window held more
 * than 5 requests. The same requests without the limiter arrive all at once.
 *
 * <p>The limiter is exact (at most {@code permits} grants in <em>any</em> window, not just in
 * aligned one-second buckets, where a fixed-window counter lets 2x through around a boundary).
 * It guarantees the grant times; the server sees arrival times, which the network and the
 * scheduler shift by a few milliseconds. A client that must never trip a server's limit
 * therefore gives its window a small margin, as this one does.
 *
 * <p>Run it: {@code mvn -q -pl examples -am package -DskipTests -Dtour=RateLimitedClient}
 */
public final class RateLimitedClient {

    /**
     * What the run did.
     *
     * @param requests requests sent, and answered, in each run
     * @param limit the server's limit: requests per {@code window}
     * @param window the server's window
     * @param unlimitedMillis time for all requests without a limiter
     * @param unlimitedBusiestWindow most arrivals in one window without a limiter
     * @param limitedMillis time with the limiter
     * @param limitedBusiestWindow most arrivals in one window with the limiter: at most {@code limit}
     * @param bytes bytes received in the limited run
     */
    public record Result(int requests, int limit, Duration window, long unlimitedMillis, int unlimitedBusiestWindow,
                         long limitedMillis, int limitedBusiestWindow, long bytes) {
    }

    private RateLimitedClient() {
    }

    /**
     * Sends {@code requests} requests from {@code threads} threads, first without a limiter,
     * then through one of {@code limit} permits per {@code window + margin}.
     *
     * @param requests how many requests per run
     * @param threads how many client threads share the limiter
     * @param limit the server's limit per window
     * @param window the server's window
     * @param margin added to the limiter's window to absorb arrival jitter
     * @return what the server saw
     * @throws Exception if a request fails
     */
    public static Result run(int requests, int threads, int limit, Duration window, Duration margin) throws Exception {
        long began = System.nanoTime();
        int unlimitedBusiest;
        try (LocalHttpServer server = LocalHttpServer.start(path -> LocalHttpServer.Response.text("ok " + path))) {
            sendAll(server, requests, threads, null);
            unlimitedBusiest = server.maxRequestsInAnyWindow(window);
        }
        long unlimitedMillis = (System.nanoTime() - began) / 1_000_000;

        RateLimiter limiter = RateLimiter.slidingWindow(limit, window.plus(margin));
        began = System.nanoTime();
        try (LocalHttpServer server = LocalHttpServer.start(path -> LocalHttpServer.Response.text("ok " + path))) {
            long bytes = sendAll(server, requests, threads, limiter);
            long limitedMillis = (System.nanoTime() - began) / 1_000_000;
            if (server.requests() != requests) {
                throw new IllegalStateException("server saw " + server.requests() + " requests, expected " + requests);
            }
            return new Result(requests, limit, window, unlimitedMillis, unlimitedBusiest, limitedMillis,
                    server.maxRequestsInAnyWindow(window), bytes);
        }
    }

    /** The client: {@code threads} threads, each request takes a permit first (when there is a limiter). */
    private static long sendAll(LocalHttpServer server, int requests, int threads, RateLimiter limiter) throws Exception {
        ExecutorService clients = Executors.newFixedThreadPool(threads);
        try {
            List<Future<Integer>> responses = new ArrayList<>();
            for (int i = 0; i < requests; i++) {
                int id = i;
                responses.add(clients.submit(() -> {
                    if (limiter != null) {
                        limiter.acquire(); // blocks until a permit is free; never holds a lock while waiting
                    }
                    return Http.get(server.uri("/api/items/" + id)).length;
                }));
            }
            long bytes = 0;
            for (Future<Integer> response : responses) {
                bytes += response.get();
            }
            return bytes;
        } finally {
            clients.shutdownNow();
            clients.awaitTermination(10, TimeUnit.SECONDS);
        }
    }

    /**
     * 50 requests from 10 threads against a 5-per-second API.
     *
     * @param args ignored
     * @throws Exception if a request fails
     */
    public static void main(String[] args) throws Exception {
        Duration margin = Duration.ofMillis(100);
        Result r = run(50, 10, 5, Duration.ofSeconds(1), margin);
        System.out.printf("without a limiter: %d requests in %d ms; the busiest 1-s window at the server held %d"
                + " (a server enforcing %d/s would have refused %d)%n", r.requests(), r.unlimitedMillis(),
                r.unlimitedBusiestWindow(), r.limit(), Math.max(0, r.unlimitedBusiestWindow() - r.limit()));
        System.out.printf("with RateLimiter.slidingWindow(%d, 1s + %d ms margin): %d requests, %,d bytes, in %d ms;"
                + " the busiest 1-s window held %d (limit %d) -> %s%n", r.limit(), margin.toMillis(), r.requests(),
                r.bytes(), r.limitedMillis(), r.limitedBusiestWindow(), r.limit(),
                r.limitedBusiestWindow() <= r.limit() ? "no window over the limit" : "OVER THE LIMIT");
        if (r.limitedBusiestWindow() > r.limit()) {
            throw new IllegalStateException("a window held " + r.limitedBusiestWindow() + " requests");
        }
    }
}
