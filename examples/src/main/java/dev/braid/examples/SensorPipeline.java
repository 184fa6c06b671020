package dev.braid.examples;

import dev.braid.pipeline.Pipeline;
import dev.braid.pipeline.PipelineStats;
import dev.braid.pipeline.RunningPipeline;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.locks.LockSupport;

/**
 * Scenario: real-time sensor processing. Raw readings arrive at a steady rate (as from a
 * socket or a message bus) and are pushed into a running braid {@link Pipeline}: a "parse"
 * stage and a "calibrate" stage, each with two workers, then a sink that keeps per-sensor
 * statistics. When the source stops, {@link RunningPipeline#complete()} lets everything
 * already accepted drain through both stages before the pipeline ends: nothing is lost, and
 * the counts prove it (produced = accepted = delivered = readings in the sink).
 *
 * <p>The buffers are bounded: if processing fell behind, {@code put} would block the producer
 * (backpressure) instead of letting a queue grow without limit.
 *
 * <p>Run it: {@code mvn -q -pl examples -am package -DskipTests -Dtour=SensorPipeline}
 */
public final class SensorPipeline {

    /**
     * What the run did.
     *
     * @param produced readings the source emitted
     * @param accepted readings the pipeline accepted
     * @param delivered readings that reached the sink, per the pipeline's statistics
     * @param counted readings the sink actually counted, summed over sensors
     * @param failed readings that failed a stage
     * @param inFlightAtShutdown readings accepted but not yet delivered when the source stopped
     * @param millis time from the first reading to the end of the drain
     * @param perSensor readings counted per sensor
     */
    public record Result(int produced, long accepted, long delivered, long counted, long failed,
                         long inFlightAtShutdown, long millis, Map<String, Long> perSensor) {
    }

    /** A parsed reading. */
    record Reading(String sensor, long sequence, double celsius) {
        /** Parses {@code "sensor-3,17,21.5"}. */
        static Reading parse(String raw) {
            String[] parts = raw.split(",");
            return new Reading(parts[0], Long.parseLong(parts[1]), Double.parseDouble(parts[2]));
        }
    }

    /** A reading after calibration. */
    record Calibrated(String sensor, long sequence, double celsius) {
    }

    /** The sink's state: called from one thread only (the pipeline's sink worker). */
    static final class Stats {
        final Map<String, Long> count = new TreeMap<>();
        final Map<String, Double> sum = new TreeMap<>();

        void add(Calibrated reading) {
            count.merge(reading.sensor(), 1L, Long::sum);
            sum.merge(reading.sensor(), reading.celsius(), Double::sum);
        }
    }

    private SensorPipeline() {
    }

    /**
     * Emits {@code readings} readings from {@code sensors} sensors at one per
     * {@code intervalMicros}, through the pipeline, then drains it.
     *
     * @param readings how many readings to emit
     * @param sensors how many sensors take turns
     * @param intervalMicros time between readings
     * @param calibrateMicros simulated latency per reading in the calibrate stage
     * @return the counts
     * @throws InterruptedException if interrupted
     */
    public static Result run(int readings, int sensors, long intervalMicros, long calibrateMicros)
            throws InterruptedException {
        Stats stats = new Stats();
        long began = System.nanoTime();
        long inFlight;
        PipelineStats done;
        try (RunningPipeline<String> pipeline = Pipeline.<String>push(64)
                .map("parse", 2, Reading::parse)
                .map("calibrate", 2, reading -> calibrate(reading, calibrateMicros))
                .to(stats::add)
                .start()) {
            long next = System.nanoTime();
            for (int i = 0; i < readings; i++) {
                next += intervalMicros * 1_000;
                LockSupport.parkNanos(next - System.nanoTime()); // a steady rate, not "as fast as possible"
                String raw = String.format(Locale.ROOT, "sensor-%d,%d,%.2f", i % sensors, i, 20 + (i % 50) / 10.0);
                pipeline.put(raw); // blocks only if the pipeline fell 64 readings behind
            }
            PipelineStats snapshot = pipeline.stats();
            inFlight = snapshot.accepted() - snapshot.delivered();
            pipeline.complete(); // the source is done: drain what was accepted, then finish
            done = pipeline.await();
        }
        long millis = (System.nanoTime() - began) / 1_000_000;
        long counted = stats.count.values().stream().mapToLong(Long::longValue).sum();
        return new Result(readings, done.accepted(), done.delivered(), counted, done.failed(), inFlight, millis,
                stats.count);
    }

    /** The calibrate stage: looks up the sensor's calibration (simulated latency), applies the offset. */
    private static Calibrated calibrate(Reading reading, long latencyMicros) throws InterruptedException {
        Thread.sleep(latencyMicros / 1_000, (int) (latencyMicros % 1_000) * 1_000); // a lookup in a calibration service
        return new Calibrated(reading.sensor(), reading.sequence(), reading.celsius() - 0.3);
    }

    /**
     * 1,000 readings from 8 sensors at one per millisecond; calibration takes 3 ms with two
     * workers, so a backlog builds up and the drain at shutdown has work to do.
     *
     * @param args ignored
     * @throws InterruptedException if interrupted
     */
    public static void main(String[] args) throws InterruptedException {
        Result r = run(1_000, 8, 1_000, 3_000);
        System.out.printf("%,d readings from %d sensors at one per ms, calibration 3 ms x 2 workers; %d were still in the pipeline when the"
                + " source stopped%n", r.produced(), r.perSensor().size(), r.inFlightAtShutdown());
        System.out.printf("after the drain: produced %,d = accepted %,d = delivered %,d = counted %,d; failed %d;"
                + " %d ms%n", r.produced(), r.accepted(), r.delivered(), r.counted(), r.failed(), r.millis());
        System.out.println("per sensor: " + r.perSensor());
        if (r.counted() != r.produced()) {
            throw new IllegalStateException("readings were lost: " + r);
        }
    }
}
