package dev.braid.examples;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Runs every example in turn (or one, by name), with a header for each and a summary table
 * at the end.
 *
 * <p>{@code mvn -q -pl examples -am package -DskipTests -Dtour} runs them all;
 * {@code -Dtour=RaceCondition} runs one.
 */
public final class Tour {

    /** An example's entry point, as its {@code main} method. */
    @FunctionalInterface
    interface Main {
        void run(String[] args) throws Exception;
    }

    /**
     * One stop of the tour.
     *
     * @param number the scenario's number in the issue and the README
     * @param what one line saying what it shows
     * @param main its entry point
     */
    record Example(int number, String what, Main main) {
    }

    /** Every example, in the order the tour shows them. */
    static Map<String, Example> examples() {
        Map<String, Example> examples = new LinkedHashMap<>();
        examples.put("EchoServer", new Example(1, "TCP echo server, a thread per connection in a TaskScope",
                EchoServer::main));
        examples.put("ChatServer", new Example(2, "chat broadcast; a stalled client cannot stall the others",
                ChatServer::main));
        examples.put("Downloader", new Example(3, "10 slow downloads: sequential vs Parallel.map", Downloader::main));
        examples.put("Scraper", new Example(4, "jsoup scraper, 8 in flight, TaskScope deadline", Scraper::main));
        examples.put("RateLimitedClient", new Example(5, "5 requests/s, proven by the server's arrival times",
                RateLimitedClient::main));
        examples.put("ImagePipeline", new Example(6, "load -> resize -> blur -> save as a Pipeline",
                ImagePipeline::main));
        examples.put("DatabaseInserts", new Example(7, "H2 inserts: PerThread connections, Batcher + ResourcePool",
                DatabaseInserts::main));
        examples.put("SensorPipeline", new Example(8, "push pipeline at a steady rate, drained on shutdown",
                SensorPipeline::main));
        examples.put("ModelPerThread", new Example(9, "expensive model loaded once per worker (ResourcePool)",
                ModelPerThread::main));
        examples.put("CpuVsIo", new Example(10, "CPU-bound vs I/O-bound across threading models", CpuVsIo::main));
        examples.put("RaceCondition", new Example(11, "lost updates without a lock", RaceCondition::main));
        examples.put("AsyncioStyle", new Example(12, "gather, settle, asCompleted, timeout, shield, race",
                AsyncioStyle::main));
        examples.put("ParallelCompression", new Example(13, "gzip many files with bounded concurrency",
                ParallelCompression::main));
        examples.put("PriorityTaskManager", new Example(14, "priorities, cancellation, shutdownNow",
                PriorityTaskManager::main));
        return examples;
    }

    private Tour() {
    }

    /**
     * Runs the tour.
     *
     * @param args empty, {@code true} (all examples) or the name of one example
     */
    public static void main(String[] args) {
        int status = tour(args);
        if (status != 0) {
            System.exit(status); // a failed tour fails the Maven build that ran it
        }
    }

    /**
     * Runs the tour and tells how it went.
     *
     * @param args as for {@link #main(String[])}
     * @return 0 if every example succeeded, 1 if one failed, 2 if no example has the given name
     */
    static int tour(String[] args) {
        Map<String, Example> all = examples();
        String requested = args.length == 0 || args[0].isBlank() || args[0].equals("true") ? null : args[0];
        String only = requested == null ? null
                : all.keySet().stream().filter(name -> name.equalsIgnoreCase(requested)).findFirst().orElse(null);
        if (requested != null && only == null) {
            System.err.println("No example named '" + requested + "'. Known: " + all.keySet());
            return 2;
        }
        List<String[]> summary = new ArrayList<>();
        boolean failed = false;
        long tourBegan = System.nanoTime();
        for (Map.Entry<String, Example> example : all.entrySet()) {
            if (only != null && !only.equals(example.getKey())) {
                continue;
            }
            String header = "=== " + example.getValue().number() + ". " + example.getKey() + ": "
                    + example.getValue().what() + " ";
            System.out.println();
            System.out.println(header + "=".repeat(Math.max(3, 96 - header.length())));
            long began = System.nanoTime();
            String result;
            try {
                example.getValue().main().run(new String[0]);
                result = "ok";
            } catch (Exception | Error e) {
                result = "FAILED: " + e;
                failed = true;
                e.printStackTrace(System.out);
            }
            long millis = (System.nanoTime() - began) / 1_000_000;
            summary.add(new String[] {example.getValue().number() + ". " + example.getKey(), result,
                    String.format("%,d ms", millis)});
        }
        System.out.println();
        System.out.printf("%-24s %-40s %10s%n", "example", "result", "time");
        for (String[] row : summary) {
            System.out.printf("%-24s %-40s %10s%n", row[0], row[1], row[2]);
        }
        System.out.printf("%-24s %-40s %10s%n", "total", failed ? "FAILED" : "ok",
                String.format("%,d ms", (System.nanoTime() - tourBegan) / 1_000_000));
        return failed ? 1 : 0;
    }
}
