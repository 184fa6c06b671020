package dev.braid.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class VirtualThreadsTest {

    private static final int FEATURE = Runtime.version().feature();

    @Test
    void supportFollowsTheJdkVersion() {
        assertThat(VirtualThreads.supported()).isEqualTo(FEATURE >= 21);
        assertThat(VirtualThreads.available())
                .isEqualTo(FEATURE >= 21 && !Boolean.getBoolean(VirtualThreads.DISABLE_PROPERTY));
    }

    @Test
    void theTestThreadIsAPlatformThread() {
        assertThat(VirtualThreads.isCurrentThreadVirtual()).isFalse();
        assertThat(VirtualThreads.isVirtual(Thread.currentThread())).isFalse();
    }

    @Test
    void defaultFactoryMakesVirtualThreadsExactlyWhenAvailable() throws InterruptedException {
        ThreadFactory factory = VirtualThreads.defaultThreadFactory("braid-test-");
        AtomicBoolean ranVirtual = new AtomicBoolean();
        AtomicReference<String> name = new AtomicReference<>();
        CountDownLatch ran = new CountDownLatch(1);
        Thread thread = factory.newThread(() -> {
            ranVirtual.set(VirtualThreads.isCurrentThreadVirtual());
            name.set(Thread.currentThread().getName());
            ran.countDown();
        });
        thread.start();
        ran.await();
        thread.join();
        assertThat(ranVirtual.get()).isEqualTo(VirtualThreads.available());
        assertThat(VirtualThreads.isVirtual(thread)).isEqualTo(VirtualThreads.available());
        assertThat(name.get()).isEqualTo("braid-test-0");
        assertThat(thread.isDaemon()).isTrue();
    }

    @Test
    void virtualFactoryNamesThreadsInSequence() throws InterruptedException {
        if (!VirtualThreads.available()) {
            assertThatThrownBy(() -> VirtualThreads.virtualThreadFactory("v-"))
                    .isInstanceOf(UnsupportedOperationException.class)
                    .hasMessageContaining(VirtualThreads.supported() ? VirtualThreads.DISABLE_PROPERTY : "JDK 21");
            return;
        }
        ThreadFactory factory = VirtualThreads.virtualThreadFactory("v-");
        Thread first = factory.newThread(() -> { });
        Thread second = factory.newThread(() -> { });
        assertThat(first.getName()).isEqualTo("v-0");
        assertThat(second.getName()).isEqualTo("v-1");
        assertThat(VirtualThreads.isVirtual(first)).isTrue();
        first.start();
        second.start();
        first.join();
        second.join();
    }

    @Test
    void platformFactoryHonoursDaemonFlag() {
        Thread thread = VirtualThreads.platformThreadFactory("p-", false).newThread(() -> { });
        assertThat(thread.isDaemon()).isFalse();
        assertThat(thread.getName()).isEqualTo("p-0");
        assertThat(VirtualThreads.isVirtual(thread)).isFalse();
    }

    @Test
    void nullArgumentsAreRejectedByName() {
        assertThatThrownBy(() -> VirtualThreads.isVirtual(null)).hasMessageContaining("thread");
        assertThatThrownBy(() -> VirtualThreads.defaultThreadFactory(null)).hasMessageContaining("prefix");
    }
}
