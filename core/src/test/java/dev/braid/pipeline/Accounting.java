package dev.braid.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

/** Asserts the accounting identity on final statistics. */
final class Accounting {

    private Accounting() {
    }

    /** Totals and every stage: accepted = completed/delivered + failed + filtered + returned. */
    static void assertIdentity(PipelineStats s) {
        assertThat(s.accepted())
                .as("accepted == delivered + failed + filtered + returned in %s", s)
                .isEqualTo(s.delivered() + s.failed() + s.filtered() + s.returned());
        assertStagesBalance(s);
    }

    /** Every stage: accepted = completed + failed + filtered + returned, and nothing left queued or busy. */
    static void assertStagesBalance(PipelineStats s) {
        for (StageStats st : s.stages()) {
            assertThat(st.accepted())
                    .as("stage %s: accepted == completed + failed + filtered + returned", st)
                    .isEqualTo(st.completed() + st.failed() + st.filtered() + st.returned());
            assertThat(st.bufferDepth()).as("stage %s buffer depth at the end", st.name()).isZero();
            assertThat(st.busyWorkers()).as("stage %s busy workers at the end", st.name()).isZero();
        }
    }
}
