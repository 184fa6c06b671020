package dev.braid.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class RateLimitedClientTest {

    @Test
    void theServerNeverSeesMoreThanTheLimitInAnyWindow() throws Exception {
        // Scaled down: 12 requests, 3 per 300 ms window; the margin is generous because this
        // machine is shared and arrival jitter is not what the test is about.
        RateLimitedClient.Result r = RateLimitedClient.run(12, 4, 3, Duration.ofMillis(300), Duration.ofMillis(150));
        assertThat(r.limitedBusiestWindow()).isBetween(1, 3);
        long expectedBytes = 0;
        for (int i = 0; i < 12; i++) {
            expectedBytes += ("ok /api/items/" + i).length();
        }
        assertThat(r.bytes()).isEqualTo(expectedBytes);
    }
}
