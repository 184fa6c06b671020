package dev.braid.examples;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ImagePipelineTest {

    @Test
    void everyImageIsSavedAndDecodesAt800x600() throws Exception {
        ImagePipeline.Result r = ImagePipeline.run(8, 400);
        assertThat(r.delivered()).isEqualTo(8);
        assertThat(r.decodedAt800x600()).isEqualTo(2 * 8); // the sequential run's 8 and the pipeline's 8
    }
}
