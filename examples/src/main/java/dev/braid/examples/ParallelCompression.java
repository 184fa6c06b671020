package dev.braid.examples;

import dev.braid.patterns.Parallel;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;

/**
 * Scenario: compress many files in parallel with bounded concurrency — the "encode many videos
 * with a process pool" job. Python needs processes for it (the GIL serialises CPU work in
 * threads); in Java a few threads do it, because compression runs truly in parallel.
 *
 * <p>The example generates files under a temporary directory, gzips them one after another,
 * then again with at most {@code concurrency} at once ({@link Parallel#map}), checks every archive decompresses to
 * exactly the original bytes, and deletes everything.
 *
 * <p>Run it: {@code mvn -q -pl examples -am package -DskipTests -Dtour=ParallelCompression}
 */
public final class ParallelCompression {

    /**
     * What the run did.
     *
     * @param files how many files were compressed (per pass)
     * @param bytesIn total size of the originals
     * @param bytesOut total size of the archives
     * @param verified how many archives decompressed to exactly their original
     * @param sequentialMillis time to compress all of them one by one
     * @param parallelMillis time with bounded concurrency
     * @param concurrency how many compressions ran at once at most
     */
    public record Result(int files, long bytesIn, long bytesOut, int verified, long sequentialMillis,
                         long parallelMillis, int concurrency) {
    }

    private static final String[] WORDS = ("the quick brown fox jumps over a lazy dog while braid keeps every thread"
            + " in its scope and nothing is lost on shutdown pipelines pools limiters tasks").split(" ");

    private ParallelCompression() {
    }

    /**
     * Generates, compresses (twice: sequentially, then in parallel), verifies and deletes.
     *
     * @param files how many files
     * @param bytesPerFile size of each file
     * @param concurrency at most this many compressions at once
     * @return what happened
     * @throws Exception if a file cannot be written, compressed or read
     */
    public static Result run(int files, int bytesPerFile, int concurrency) throws Exception {
        Path dir = Files.createTempDirectory("braid-compression-");
        try {
            List<Path> originals = generate(dir, files, bytesPerFile);

            long began = System.nanoTime();
            for (Path file : originals) {
                gzip(file, dir.resolve("sequential"));
            }
            long sequentialMillis = (System.nanoTime() - began) / 1_000_000;

            began = System.nanoTime();
            List<Path> archives = compressAll(originals, dir.resolve("parallel"), concurrency);
            long parallelMillis = (System.nanoTime() - began) / 1_000_000;

            long bytesIn = 0;
            long bytesOut = 0;
            int verified = 0;
            for (int i = 0; i < originals.size(); i++) {
                bytesIn += Files.size(originals.get(i));
                bytesOut += Files.size(archives.get(i));
                try (InputStream unzipped = new GZIPInputStream(Files.newInputStream(archives.get(i)))) {
                    if (Arrays.equals(Files.readAllBytes(originals.get(i)), unzipped.readAllBytes())) {
                        verified++;
                    }
                }
            }
            return new Result(files, bytesIn, bytesOut, verified, sequentialMillis, parallelMillis, concurrency);
        } finally {
            deleteRecursively(dir);
        }
    }

    /**
     * Compresses every file with at most {@code concurrency} compressions at once:
     * {@link Parallel#map} runs them on a scope's threads, returns the archives in input order,
     * and fails fast (the first failure cancels the rest and is thrown).
     */
    static List<Path> compressAll(List<Path> originals, Path outDir, int concurrency) throws Exception {
        return Parallel.map(originals, concurrency, file -> gzip(file, outDir));
    }

    /**
     * Gzips one file into {@code outDir}.
     *
     * @param file the original
     * @param outDir where the {@code .gz} goes (created if missing)
     * @return the archive's path
     * @throws IOException if reading or writing fails
     */
    static Path gzip(Path file, Path outDir) throws IOException {
        Files.createDirectories(outDir);
        Path archive = outDir.resolve(file.getFileName() + ".gz");
        try (InputStream in = Files.newInputStream(file);
             OutputStream out = new GZIPOutputStream(Files.newOutputStream(archive), 64 * 1024)) {
            in.transferTo(out);
        }
        return archive;
    }

    private static List<Path> generate(Path dir, int files, int bytesPerFile) throws IOException {
        List<Path> originals = new ArrayList<>();
        Random random = new Random(42);
        for (int f = 0; f < files; f++) {
            StringBuilder text = new StringBuilder(bytesPerFile + 16);
            while (text.length() < bytesPerFile) {
                text.append(WORDS[random.nextInt(WORDS.length)]).append(random.nextInt(1000)).append(' ');
            }
            text.setLength(bytesPerFile);
            Path file = dir.resolve(String.format("log-%03d.txt", f));
            Files.write(file, text.toString().getBytes(StandardCharsets.US_ASCII));
            originals.add(file);
        }
        return originals;
    }

    static void deleteRecursively(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(path);
            }
        }
    }

    /**
     * Compresses 16 generated 512 KB files, sequentially and 4 at a time.
     *
     * @param args ignored
     * @throws Exception if anything fails
     */
    public static void main(String[] args) throws Exception {
        Result r = run(16, 512 * 1024, 4);
        System.out.printf("%d files, %,d bytes -> %,d bytes gzipped (%.1fx smaller), %d of %d verified%n",
                r.files(), r.bytesIn(), r.bytesOut(), (double) r.bytesIn() / r.bytesOut(), r.verified(), r.files());
        System.out.printf("sequential: %d ms; Parallel.map, %d at a time: %d ms (speedup %.1fx on %d cores)%n",
                r.sequentialMillis(), r.concurrency(), r.parallelMillis(),
                (double) r.sequentialMillis() / Math.max(1, r.parallelMillis()), Runtime.getRuntime().availableProcessors());
        System.out.printf("(system load average %.1f: compression is CPU-bound, so the speedup is capped by idle cores)%n",
                java.lang.management.ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
    }
}
