package dev.braid.examples;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class SensorPipelineTest {

    @Test
    void noReadingIsLostThroughTheDrain() throws Exception {
        SensorPipeline.Result r = SensorPipeline.run(400, 4, 100, 50);
        assertThat(r.accepted()).isEqualTo(400);
        assertThat(r.delivered()).isEqualTo(400);
        assertThat(r.counted()).isEqualTo(400);
        assertThat(r.failed()).isZero();
        assertThat(r.perSensor()).hasSize(4).allSatisfy((sensor, count) -> assertThat(count).isEqualTo(100L));
    }
}
