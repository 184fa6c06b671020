package dev.braid.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class PriorityTaskManagerTest {

    @Test
    void jobsRunMostUrgentFirstTheCancelledNeverAndShutdownNowHandsBackTheQueue() throws Exception {
        PriorityTaskManager.Result r = PriorityTaskManager.run(Duration.ofMillis(5));
        assertThat(r.ran()).containsExactly("page the on-call engineer", "send welcome email", "resize avatar",
                "nightly backup", "clean temp files");
        assertThat(r.ran()).doesNotContain(r.cancelled(), "never");
        assertThat(r.interrupted()).isEqualTo(2);
        assertThat(r.handedBack()).isEqualTo(5);
    }
}
