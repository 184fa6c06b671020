package dev.braid.examples;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ModelPerThreadTest {

    @Test
    void noMoreModelsThanWorkersAndEveryOneClosed() throws Exception {
        ModelPerThread.Result r = ModelPerThread.run(12, 3, 20, 2);
        assertThat(r.naiveLoads()).isEqualTo(12);
        assertThat(r.pooledLoads()).isBetween(1, 3);
        assertThat(r.pooledDisposed()).isEqualTo(r.pooledLoads());
        assertThat(r.predictionsOk()).isEqualTo(12);
    }
}
