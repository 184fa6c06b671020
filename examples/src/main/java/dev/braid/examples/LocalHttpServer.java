package dev.braid.examples;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real HTTP server on the loopback interface for the examples: the JDK's
 * {@code com.sun.net.httpserver}, bound to {@code 127.0.0.1} on a free port, answering every
 * path through one {@link Handler}. It can delay each response (a slow remote API), and it
 * records when every request arrived, so an example can check what the server really saw
 * (the rate-limited client proves no one-second window held more than its limit).
 *
 * <p>Each request is handled on its own thread, so delayed responses overlap as they would on
 * a real server. {@link #close()} stops the listener and every handler thread: nothing is
 * left running.
 *
 * <pre>{@code
 * try (LocalHttpServer server = LocalHttpServer.start(path ->
 *         LocalHttpServer.Response.text("hello " + path).delayed(Duration.ofMillis(200)))) {
 *     byte[] body = Http.get(server.uri("/world"));
 * }
 * }</pre>
 */
public final class LocalHttpServer implements AutoCloseable {

    /** Answers one request; called on a handler thread, so it must be thread-safe. */
    @FunctionalInterface
    public interface Handler {
        /**
         * @param path the request's path, for example {@code /files/3}
         * @return the response to send
         * @throws IOException to answer 500
         */
        Response respond(String path) throws IOException;
    }

    /**
     * One response: status, content type, body, and how long the server waits before sending it.
     *
     * @param status HTTP status code
     * @param contentType value of the Content-Type header
     * @param body the bytes to send
     * @param delay how long to wait before answering (a slow server)
     */
    public record Response(int status, String contentType, byte[] body, Duration delay) {
        /**
         * @param text the body
         * @return a 200 text/plain response, not delayed
         */
        public static Response text(String text) {
            return new Response(200, "text/plain; charset=utf-8", text.getBytes(StandardCharsets.UTF_8), Duration.ZERO);
        }

        /**
         * @param html the body
         * @return a 200 text/html response, not delayed
         */
        public static Response html(String html) {
            return new Response(200, "text/html; charset=utf-8", html.getBytes(StandardCharsets.UTF_8), Duration.ZERO);
        }

        /**
         * @param bytes the body
         * @return a 200 application/octet-stream response, not delayed
         */
        public static Response bytes(byte[] bytes) {
            return new Response(200, "application/octet-stream", bytes, Duration.ZERO);
        }

        /** @return a 404 response */
        public static Response notFound() {
            return new Response(404, "text/plain", "not found".getBytes(StandardCharsets.UTF_8), Duration.ZERO);
        }

        /**
         * @param by how long the server waits before answering
         * @return this response, delayed
         */
        public Response delayed(Duration by) {
            return new Response(status, contentType, body, by);
        }
    }

    private final HttpServer server;
    private final ExecutorService handlers;
    private final List<Long> arrivals = new ArrayList<>(); // System.nanoTime() of each request, guarded by itself

    private LocalHttpServer(HttpServer server, ExecutorService handlers) {
        this.server = server;
        this.handlers = handlers;
    }

    /**
     * Starts a server on {@code 127.0.0.1} on a free port.
     *
     * @param handler answers every request
     * @return the running server; close it
     * @throws IOException if the port cannot be bound
     */
    public static LocalHttpServer start(Handler handler) throws IOException {
        AtomicInteger threadNumber = new AtomicInteger();
        ExecutorService handlers = Executors.newCachedThreadPool(task -> {
            Thread thread = new Thread(task, "local-http-" + threadNumber.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        });
        HttpServer http = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 128);
        LocalHttpServer local = new LocalHttpServer(http, handlers);
        http.setExecutor(handlers);
        http.createContext("/", exchange -> local.handle(exchange, handler));
        http.start();
        return local;
    }

    private void handle(HttpExchange exchange, Handler handler) throws IOException {
        long arrived = System.nanoTime();
        synchronized (arrivals) {
            arrivals.add(arrived);
        }
        try (exchange) {
            Response response;
            try {
                response = handler.respond(exchange.getRequestURI().getPath());
            } catch (IOException | RuntimeException e) {
                response = new Response(500, "text/plain", String.valueOf(e).getBytes(StandardCharsets.UTF_8), Duration.ZERO);
            }
            if (!response.delay().isZero()) {
                try {
                    Thread.sleep(response.delay().toMillis());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt(); // the server is closing: answer at once
                }
            }
            exchange.getResponseHeaders().set("Content-Type", response.contentType());
            exchange.sendResponseHeaders(response.status(), response.body().length == 0 ? -1 : response.body().length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(response.body());
            }
        } catch (IOException e) {
            // The client went away (it timed out or was cancelled): nothing to answer.
        }
    }

    /**
     * @param path a path starting with {@code /}
     * @return the URI of that path on this server
     */
    public URI uri(String path) {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + path);
    }

    /** @return the arrival time ({@link System#nanoTime()}) of every request so far, in arrival order */
    public List<Long> arrivals() {
        synchronized (arrivals) {
            return List.copyOf(arrivals);
        }
    }

    /** @return how many requests have arrived */
    public int requests() {
        synchronized (arrivals) {
            return arrivals.size();
        }
    }

    /**
     * The most requests that arrived within any interval of length {@code window}: the measure
     * a rate limit promises to bound.
     *
     * @param window the interval length
     * @return the busiest window's request count
     */
    public int maxRequestsInAnyWindow(Duration window) {
        List<Long> times = new ArrayList<>(arrivals());
        times.sort(null);
        long span = window.toNanos();
        int best = 0;
        int from = 0;
        for (int to = 0; to < times.size(); to++) {
            // Half-open [t, t + window): a request exactly one window later belongs to the next one.
            while (times.get(to) - times.get(from) >= span) {
                from++;
            }
            best = Math.max(best, to - from + 1);
        }
        return best;
    }

    /** Stops the listener and every handler thread; waits for them to end. */
    @Override
    public void close() {
        server.stop(0);
        handlers.shutdownNow();
        try {
            if (!handlers.awaitTermination(10, TimeUnit.SECONDS)) {
                throw new IllegalStateException("HTTP handler threads did not stop within 10 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
