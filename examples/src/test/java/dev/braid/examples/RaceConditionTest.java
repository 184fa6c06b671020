package dev.braid.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class RaceConditionTest {

    @Test
    void onlyTheUnsafeCounterLosesUpdates() throws InterruptedException {
        // Lost updates are probabilistic; with 4 threads overlapping for 300 ms on 2 cores (or
        // time-sliced on one) they are, in practice, certain. A run that loses none would be
        // reported as a failure, not retried.
        List<RaceCondition.Tally> tallies = RaceCondition.run(4, Duration.ofMillis(300));
        Map<String, RaceCondition.Tally> byName =
                tallies.stream().collect(Collectors.toMap(RaceCondition.Tally::counter, Function.identity()));
        assertThat(byName.get("unsafe long++").lost()).isPositive();
        assertThat(byName.get("synchronized").lost()).isZero();
        assertThat(byName.get("AtomicLong").lost()).isZero();
        assertThat(byName.get("LongAdder").lost()).isZero();
        assertThat(tallies).allSatisfy(t -> assertThat(t.expected()).isPositive());
    }
}
