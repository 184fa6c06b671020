package dev.braid.examples;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ChatServerTest {

    @Test
    void fastClientsGetEverythingAndTheSlowOnesMessagesAreAllAccountedFor() throws Exception {
        // Outbox of 801: above the 800 messages a fast client gets in all, 399 below the 1,200 sent
        // to the client that stalls. The kernel's socket buffers (set small) hold ~150 of those.
        ChatServer.Result r = ChatServer.run(3, 400, 801);
        // Each fast client received every message of the two others, once.
        assertThat(r.fastReceived()).containsExactly(800, 800, 800);
        // The bounded outbox overflowed for the stalled client only...
        assertThat(r.slowDropped()).isPositive();
        // ...and everything sent to it was either delivered or dropped and counted, never lost silently.
        assertThat(r.slowReceived() + r.slowDropped()).isEqualTo(3 * 400);
        assertThat(r.slowReceived()).isPositive();
    }
}
