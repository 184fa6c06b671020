package dev.braid.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class DownloaderTest {

    @Test
    void everyFileArrivesIntactAndNoMoreThanTheBoundAtOnce() throws Exception {
        Downloader.Result r = Downloader.run(7, 10_000, Duration.ofMillis(50), 3);
        assertThat(r.bytes()).isEqualTo(7 * 10_000L);
        assertThat(r.intact()).isEqualTo(2 * 7); // both runs, every file byte-exact and in URL order
        assertThat(r.mostInFlight()).isBetween(1, 3);
    }
}
