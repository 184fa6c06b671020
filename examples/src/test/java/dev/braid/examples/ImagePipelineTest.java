package dev.braid.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.awt.image.BufferedImage;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class ImagePipelineTest {

    /**
     * Java2D starts one daemon thread per JVM ("Java2D Disposer") the first time an image is
     * drawn, and never stops it. It is the JDK's, not the example's: start it before the
     * thread-leak check takes its snapshot.
     */
    @BeforeAll
    static void startJava2dOnce() {
        BufferedImage image = new BufferedImage(2, 2, BufferedImage.TYPE_INT_RGB);
        image.createGraphics().dispose();
    }

    @Test
    void everyImageIsSavedAndDecodesAt800x600() throws Exception {
        ImagePipeline.Result r = ImagePipeline.run(8, 400);
        assertThat(r.delivered()).isEqualTo(8);
        assertThat(r.decodedAt800x600()).isEqualTo(2 * 8); // the sequential run's 8 and the pipeline's 8
    }
}
