package dev.braid.examples;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ChatServerTest {

    @Test
    void fastClientsGetEverythingAndTheSlowOnesMessagesAreAllAccountedFor() throws Exception {
        ChatServer.Result r = ChatServer.run(3, 200, 450); // outbox: above the 400 a fast client gets, below the 600 for the slow one
        // Each fast client received every message of the two others, once.
        assertThat(r.fastReceived()).containsExactly(400, 400, 400);
        // Everything sent to the slow client was either delivered or dropped, never lost silently.
        assertThat(r.slowReceived() + r.slowDropped()).isEqualTo(3 * 200);
        assertThat(r.slowReceived()).isPositive();
    }
}
