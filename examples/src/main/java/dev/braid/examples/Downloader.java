package dev.braid.examples;

import dev.braid.patterns.Parallel;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Scenario: download many files from a slow server. Each response takes 200 ms (the server
 * waits before answering, like a distant API); one at a time that is 200 ms per file, while
 * {@link Parallel#map} fetches them concurrently, at most {@code maxConcurrency} at once, and
 * returns the bodies in the order of the URLs. Every body is checked byte for byte. (The
 * in-flight count is kept by the client: the server's own count lags, since a handler thread
 * finishes a moment after its client has the whole response.)
 *
 * <p>Run it: {@code mvn -q -pl examples -am package -DskipTests -Dtour=Downloader}
 */
public final class Downloader {

    /**
     * What the run did.
     *
     * @param files files downloaded per run
     * @param bytes bytes downloaded per run
     * @param intact files whose bytes were exactly right, over both runs
     * @param sequentialMillis time one at a time
     * @param parallelMillis time with {@code Parallel.map}
     * @param maxConcurrency the bound given to {@code Parallel.map}
     * @param mostInFlight the most downloads in flight at once during {@code Parallel.map}
     */
    public record Result(int files, long bytes, int intact, long sequentialMillis, long parallelMillis,
                         int maxConcurrency, int mostInFlight) {
    }

    private Downloader() {
    }

    /**
     * Downloads {@code files} files, one at a time and then concurrently.
     *
     * @param files how many files
     * @param fileBytes size of each file
     * @param delay how long the server waits before each response
     * @param maxConcurrency at most this many downloads at once
     * @return what happened
     * @throws Exception if a download fails
     */
    public static Result run(int files, int fileBytes, Duration delay, int maxConcurrency) throws Exception {
        try (LocalHttpServer server = LocalHttpServer.start(path -> {
            int n = Integer.parseInt(path.substring(path.lastIndexOf('-') + 1, path.lastIndexOf('.')));
            return LocalHttpServer.Response.bytes(content(n, fileBytes)).delayed(delay);
        })) {
            List<URI> urls = new ArrayList<>();
            for (int i = 0; i < files; i++) {
                urls.add(server.uri("/files/file-" + i + ".bin"));
            }

            long began = System.nanoTime();
            List<byte[]> oneByOne = new ArrayList<>();
            for (URI url : urls) {
                oneByOne.add(Http.get(url));
            }
            long sequentialMillis = (System.nanoTime() - began) / 1_000_000;

            AtomicInteger inFlight = new AtomicInteger();
            AtomicInteger mostInFlight = new AtomicInteger(); // counted here: the bound Parallel.map keeps
            began = System.nanoTime();
            List<byte[]> concurrent = Parallel.map(urls, maxConcurrency, url -> { // results in URL order
                mostInFlight.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
                try {
                    return Http.get(url);
                } finally {
                    inFlight.decrementAndGet();
                }
            });
            long parallelMillis = (System.nanoTime() - began) / 1_000_000;

            long bytes = 0;
            int intact = 0;
            for (int i = 0; i < files; i++) {
                byte[] expected = content(i, fileBytes);
                intact += Arrays.equals(expected, oneByOne.get(i)) ? 1 : 0;
                intact += Arrays.equals(expected, concurrent.get(i)) ? 1 : 0;
                bytes += concurrent.get(i).length;
            }
            return new Result(files, bytes, intact, sequentialMillis, parallelMillis, maxConcurrency,
                    mostInFlight.get());
        }
    }

    /** The bytes of file {@code n}: different for every file, so a mix-up would be caught. */
    static byte[] content(int n, int size) {
        byte[] bytes = new byte[size];
        for (int i = 0; i < size; i++) {
            bytes[i] = (byte) (i * 7 + n * 13);
        }
        return bytes;
    }

    /**
     * Ten 256 KB files, 200 ms per response, at most 10 at once.
     *
     * @param args ignored
     * @throws Exception if a download fails
     */
    public static void main(String[] args) throws Exception {
        Result r = run(10, 256 * 1024, Duration.ofMillis(200), 10);
        System.out.printf("%d files, %,d bytes, each response delayed 200 ms; %d of %d downloads byte-exact%n",
                r.files(), r.bytes(), r.intact(), 2 * r.files());
        System.out.printf("one at a time: %d ms; Parallel.map(urls, %d, get): %d ms (%.1fx faster; up to %d"
                        + " were in flight at once)%n", r.sequentialMillis(), r.maxConcurrency(), r.parallelMillis(),
                (double) r.sequentialMillis() / Math.max(1, r.parallelMillis()), r.mostInFlight());
    }
}
