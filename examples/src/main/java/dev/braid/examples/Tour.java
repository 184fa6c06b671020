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

    /** Every example, in the order the tour shows them. */
    static Map<String, Main> examples() {
        Map<String, Main> examples = new LinkedHashMap<>();
        examples.put("EchoServer", EchoServer::main);               // 1
        examples.put("ChatServer", ChatServer::main);               // 2
        examples.put("Downloader", Downloader::main);               // 3
        examples.put("Scraper", Scraper::main);                     // 4
        examples.put("RateLimitedClient", RateLimitedClient::main); // 5
        examples.put("ImagePipeline", ImagePipeline::main);         // 6
        examples.put("DatabaseInserts", DatabaseInserts::main);     // 7
        examples.put("SensorPipeline", SensorPipeline::main);       // 8
        examples.put("ModelPerThread", ModelPerThread::main);       // 9
        examples.put("CpuVsIo", CpuVsIo::main);                     // 10
        examples.put("RaceCondition", RaceCondition::main);         // 11
        examples.put("AsyncioStyle", AsyncioStyle::main);           // 12
        examples.put("ParallelCompression", ParallelCompression::main); // 13
        examples.put("PriorityTaskManager", PriorityTaskManager::main); // 14
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
        Map<String, Main> all = examples();
        String only = args.length == 0 || args[0].isBlank() || args[0].equals("true") ? null : args[0];
        if (only != null && !all.containsKey(only)) {
            System.err.println("No example named '" + only + "'. Known: " + all.keySet());
            System.exit(2);
        }
        List<String[]> summary = new ArrayList<>();
        boolean failed = false;
        for (Map.Entry<String, Main> example : all.entrySet()) {
            if (only != null && !only.equals(example.getKey())) {
                continue;
            }
            System.out.println();
            System.out.println("=== " + example.getKey() + " " + "=".repeat(Math.max(3, 60 - example.getKey().length())));
            long began = System.nanoTime();
            String result;
            try {
                example.getValue().run(new String[0]);
                result = "ok";
            } catch (Exception | Error e) {
                result = "FAILED: " + e;
                failed = true;
                e.printStackTrace(System.out);
            }
            long millis = (System.nanoTime() - began) / 1_000_000;
            summary.add(new String[] {example.getKey(), result, millis + " ms"});
        }
        System.out.println();
        System.out.printf("%-24s %-40s %10s%n", "example", "result", "time");
        for (String[] row : summary) {
            System.out.printf("%-24s %-40s %10s%n", row[0], row[1], row[2]);
        }
        if (failed) {
            System.exit(1);
        }
    }
}
