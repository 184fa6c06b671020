package dev.braid.pipeline;

import java.time.Duration;
import java.util.Objects;

/**
 * What a stage does with an item its function, predicate or action failed on. Set per stage
 * with {@link Pipeline#onError(ErrorPolicy)} right after the stage; the default is
 * {@link #failFast()}.
 *
 * <pre>{@code
 * Pipeline.from(urls)
 *     .map("fetch", 8, http::get)
 *     .onError(ErrorPolicy.retry(3, Duration.ofMillis(100), ErrorPolicy.deadLetter(dlq::add)))
 *     .to(store::save)
 *     .run();
 * }</pre>
 *
 * <p>Whatever the policy, an item ends in exactly one place: passed on, or counted as failed
 * in {@link PipelineStats} (and, for fail-fast, reported by {@link PipelineFailedException}).
 * An item that a cancellation interrupts is counted as failed and not handed to any policy.
 *
 * <p>Policies are immutable values, safe to share between stages and pipelines.
 */
public sealed interface ErrorPolicy permits FailFast, SkipAndReport, DeadLetter, Retry {

    /**
     * Fail-fast, the default: the first failure fails the whole pipeline. Every other worker
     * is interrupted, items not yet started are returned (see {@link RunningPipeline#cancel()}),
     * and {@code run()}/{@code await()} throw {@link PipelineFailedException} naming the stage
     * and the item.
     *
     * @return the fail-fast policy
     */
    static ErrorPolicy failFast() {
        return FailFast.INSTANCE;
    }

    /**
     * Skip and report: the item is dropped, counted as failed in the stage's statistics, and
     * logged through SLF4J (the first failure of each stage at WARN, the rest at DEBUG, so
     * that a flood of failures cannot flood the log); the pipeline goes on.
     *
     * @return the skip-and-report policy
     */
    static ErrorPolicy skipAndReport() {
        return SkipAndReport.INSTANCE;
    }

    /**
     * Dead letter: the item is handed to {@code handler} with its failure, counted as failed,
     * and the pipeline goes on. If the handler throws, the pipeline fails.
     *
     * @param handler receives each failed item
     * @return a dead-letter policy
     * @throws NullPointerException if {@code handler} is null
     */
    static ErrorPolicy deadLetter(DeadLetterHandler handler) {
        return new DeadLetter(Objects.requireNonNull(handler, "handler"));
    }

    /**
     * Retry: the item is tried again up to {@code retries} more times, waiting
     * {@code backoff}, then twice that, four times that, and so on between attempts (the wait
     * is interruptible: a cancellation ends it). When every attempt failed, {@code exhausted}
     * decides, and the failure it sees carries the earlier attempts' failures as suppressed
     * exceptions.
     *
     * @param retries how many times to try again after the first failure; 0 means never
     * @param backoff the wait before the first retry; zero means retry at once
     * @param exhausted the policy once all attempts failed; must not itself be a retry policy
     * @return a retry policy
     * @throws IllegalArgumentException if {@code retries} is negative, {@code backoff} is
     *     negative, or {@code exhausted} is a retry policy
     * @throws NullPointerException if {@code backoff} or {@code exhausted} is null
     */
    static ErrorPolicy retry(int retries, Duration backoff, ErrorPolicy exhausted) {
        Objects.requireNonNull(backoff, "backoff");
        Objects.requireNonNull(exhausted, "exhausted");
        if (retries < 0) {
            throw new IllegalArgumentException("retries must not be negative, was " + retries);
        }
        if (backoff.isNegative()) {
            throw new IllegalArgumentException("backoff must not be negative, was " + backoff);
        }
        if (exhausted instanceof Retry) {
            throw new IllegalArgumentException("exhausted must not be a retry policy, was " + exhausted);
        }
        return new Retry(retries, backoff, exhausted);
    }
}

/** See {@link ErrorPolicy#failFast()}. */
final class FailFast implements ErrorPolicy {
    static final FailFast INSTANCE = new FailFast();

    private FailFast() {
    }

    @Override
    public String toString() {
        return "ErrorPolicy.failFast()";
    }
}

/** See {@link ErrorPolicy#skipAndReport()}. */
final class SkipAndReport implements ErrorPolicy {
    static final SkipAndReport INSTANCE = new SkipAndReport();

    private SkipAndReport() {
    }

    @Override
    public String toString() {
        return "ErrorPolicy.skipAndReport()";
    }
}

/** See {@link ErrorPolicy#deadLetter(DeadLetterHandler)}. */
record DeadLetter(DeadLetterHandler handler) implements ErrorPolicy {
}

/** See {@link ErrorPolicy#retry(int, Duration, ErrorPolicy)}. */
record Retry(int retries, Duration backoff, ErrorPolicy exhausted) implements ErrorPolicy {
}
