package dev.braid.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.channels.ClosedByInterruptException;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class LocalHttpServerTest {

    @Test
    void servesBodiesAndRecordsArrivals() throws Exception {
        try (LocalHttpServer server = LocalHttpServer.start(path -> path.equals("/missing")
                ? LocalHttpServer.Response.notFound()
                : LocalHttpServer.Response.text("hello " + path))) {
            assertThat(Http.getText(server.uri("/a"))).isEqualTo("hello /a");
            assertThat(Http.getText(server.uri("/b"))).isEqualTo("hello /b");
            assertThatThrownBy(() -> Http.get(server.uri("/missing")))
                    .isInstanceOf(Http.StatusException.class)
                    .satisfies(e -> assertThat(((Http.StatusException) e).status()).isEqualTo(404));
            assertThat(server.requests()).isEqualTo(3);
            assertThat(server.arrivals()).hasSize(3).isSorted();
        }
    }

    @Test
    void largeBodiesArriveWhole() throws Exception {
        byte[] body = new byte[300_000];
        for (int i = 0; i < body.length; i++) {
            body[i] = (byte) (i * 31);
        }
        try (LocalHttpServer server = LocalHttpServer.start(path -> LocalHttpServer.Response.bytes(body))) {
            assertThat(Http.get(server.uri("/big"))).isEqualTo(body);
        }
    }

    @Test
    void interruptingAWaitingGetEndsItAtOnce() throws Exception {
        CountDownLatch arrived = new CountDownLatch(1);
        try (LocalHttpServer server = LocalHttpServer.start(path -> {
            arrived.countDown();
            return LocalHttpServer.Response.text("late").delayed(Duration.ofSeconds(30));
        })) {
            AtomicReference<Throwable> failure = new AtomicReference<>();
            CountDownLatch done = new CountDownLatch(1);
            Thread client = new Thread(() -> {
                try {
                    Http.get(server.uri("/slow"));
                } catch (Throwable e) {
                    failure.set(e);
                } finally {
                    done.countDown();
                }
            });
            client.start();
            arrived.await(); // the request is out: the client is (or is about to be) blocked reading
            client.interrupt();
            done.await();
            client.join();
            assertThat(failure.get()).isInstanceOf(ClosedByInterruptException.class);
        }
    }

    @Test
    void countsTheBusiestWindowHalfOpen() throws Exception {
        try (LocalHttpServer server = LocalHttpServer.start(path -> LocalHttpServer.Response.text("x"))) {
            for (int i = 0; i < 4; i++) {
                Http.get(server.uri("/" + i));
            }
            // Four requests in quick succession fall in one long window, and each in its own tiny one.
            assertThat(server.maxRequestsInAnyWindow(Duration.ofSeconds(60))).isEqualTo(4);
            assertThat(server.maxRequestsInAnyWindow(Duration.ofNanos(1))).isEqualTo(1);
        }
    }
}
