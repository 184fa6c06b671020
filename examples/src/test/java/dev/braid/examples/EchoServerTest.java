package dev.braid.examples;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class EchoServerTest {

    @Test
    void everyLineOfEveryClientComesBackAndTheServerStops() throws Exception {
        EchoServer.Result r = EchoServer.run(12, 20);
        assertThat(r.echoedCorrectly()).isEqualTo(12 * 20);
        assertThat(r.connectionsServed()).isEqualTo(12);
        long expectedBytes = 0;
        for (int c = 0; c < 12; c++) {
            for (int m = 0; m < 20; m++) {
                expectedBytes += ("client " + c + " message " + m).length() + 1;
            }
        }
        assertThat(r.bytesEchoed()).isEqualTo(expectedBytes);
    }
}
