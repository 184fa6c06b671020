package dev.braid.pipeline;

import java.util.Objects;

/**
 * One item that a stage could not process, as handed to a {@link DeadLetterHandler}.
 *
 * <pre>{@code
 * ErrorPolicy policy = ErrorPolicy.deadLetter(f -> log.warn("{} failed on {}", f.stage(), f.item(), f.error()));
 * }</pre>
 *
 * @param stage the name of the stage that failed
 * @param item the item it failed on (typed {@code Object}: a policy is not tied to a stage's type)
 * @param error the last failure (earlier attempts of a retry are suppressed in it)
 * @param attempts how many times the stage tried the item, at least 1
 */
public record StageFailure(String stage, Object item, Throwable error, int attempts) {

    /**
     * Checks the components.
     *
     * @param stage the name of the stage that failed
     * @param item the item it failed on
     * @param error the last failure
     * @param attempts how many times the stage tried the item
     * @throws NullPointerException if {@code stage}, {@code item} or {@code error} is null
     * @throws IllegalArgumentException if {@code attempts} is less than 1
     */
    public StageFailure {
        Objects.requireNonNull(stage, "stage");
        Objects.requireNonNull(item, "item");
        Objects.requireNonNull(error, "error");
        if (attempts < 1) {
            throw new IllegalArgumentException("attempts must be at least 1, was " + attempts);
        }
    }
}
