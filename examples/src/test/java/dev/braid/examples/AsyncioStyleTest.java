package dev.braid.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.braid.scope.Task;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class AsyncioStyleTest {

    @Test
    void everyRecipeDoesWhatItsAsyncioNameSays() throws Exception {
        AsyncioStyle.Result r = AsyncioStyle.run(Duration.ofMillis(100));
        assertThat(r.gathered()).containsExactly("a", "b", "c");
        assertThat(r.gatherFailFast()).isEqualTo("java.io.IOException: b is down");
        assertThat(r.settled()).containsExactly("ok a", "failed java.io.IOException: b is down", "ok c");
        // The calls take 1, 2 and 3 units: completion order is by duration, not by fork order.
        assertThat(r.completionOrder()).containsExactly("fast", "medium", "slow");
        assertThat(r.timedOut()).isTrue();
        assertThat(r.movedOn()).isEmpty();
        assertThat(r.shieldedResult()).isEqualTo("saved");
        assertThat(r.unshieldedStatus()).isEqualTo(Task.Status.CANCELLED);
        assertThat(r.raceWinner()).isEqualTo("mirror-2");
        assertThat(r.raceLosersCancelled()).isEqualTo(2);
    }
}
